import Foundation

/// The working-day clock of SPEC §2: weekends, holidays and make-up working days, office hours and the
/// daily cutoff, in one time zone. Working days are precomputed once into a prefix-count table, so
/// "N working days after S" and "working time between two instants" are O(1).
public struct WorkingDayCalendar: Sendable {
    public struct Definition: Sendable, Hashable {
        /// Weekdays that are weekend days (0 = Sunday … 6 = Saturday).
        public var weekend: Set<Int>
        public var holidays: Set<LocalDate>
        public var makeUpWorkingDays: Set<LocalDate>
        /// Minutes after local midnight.
        public var officeOpen: Int
        public var officeClose: Int
        public var cutoff: Int
        /// Years the holiday list was published for (empty when unknown, e.g. an inline calendar).
        public var years: Set<Int>

        public init(weekend: Set<Int> = [0, 6], holidays: Set<LocalDate> = [], makeUpWorkingDays: Set<LocalDate> = [],
                    officeOpen: Int = 8 * 60, officeClose: Int = 17 * 60, cutoff: Int = 15 * 60, years: Set<Int> = []) {
            self.weekend = weekend
            self.holidays = holidays
            self.makeUpWorkingDays = makeUpWorkingDays
            self.officeOpen = officeOpen
            self.officeClose = officeClose
            self.cutoff = cutoff
            self.years = years
        }
    }

    public let definition: Definition
    public let localTime: LocalTime
    /// Where the definition came from: file name (or "inline") and a hash of its content.
    public let version: String

    /// The table covers these dates; deadlines outside it are refused by callers.
    public static let firstDate = LocalDate(year: 2000, month: 1, day: 1)!
    public static let lastDate = LocalDate(year: 2099, month: 12, day: 31)!

    private let working: [Bool]
    /// `ordinal[i]` = number of working days strictly before day i of the table.
    private let ordinal: [Int32]
    private let workingDays: [Int32]

    public init(definition: Definition, timeZone: TimeZone, version: String) {
        self.definition = definition
        self.localTime = LocalTime(timeZone: timeZone)
        self.version = version
        let base = Self.firstDate.dayNumber
        let count = Self.lastDate.dayNumber - base + 1
        var working = [Bool](repeating: false, count: count)
        var ordinal = [Int32](repeating: 0, count: count + 1)
        var days: [Int32] = []
        days.reserveCapacity(count * 5 / 7 + 1)
        for i in 0..<count {
            let date = LocalDate(dayNumber: base + i)
            let isWorking = definition.makeUpWorkingDays.contains(date)
                || (!definition.weekend.contains(date.weekday) && !definition.holidays.contains(date))
            working[i] = isWorking
            ordinal[i + 1] = ordinal[i] + (isWorking ? 1 : 0)
            if isWorking { days.append(Int32(i)) }
        }
        self.working = working
        self.ordinal = ordinal
        self.workingDays = days
    }

    public static func covers(_ date: LocalDate) -> Bool { date >= firstDate && date <= lastDate }

    /// Whether the calendar's table covers this instant with room for any deadline it may produce.
    public func covers(_ instant: Date) -> Bool {
        let d = localTime.local(instant).date
        return d >= Self.firstDate && d.adding(days: 365) <= Self.lastDate
    }

    private func index(_ date: LocalDate) -> Int { date.dayNumber - Self.firstDate.dayNumber }

    public func isWorkingDay(_ date: LocalDate) -> Bool { working[index(date)] }

    /// The first working day strictly after `date`.
    public func nextWorkingDay(after date: LocalDate) -> LocalDate {
        let i = Int(ordinal[index(date) + 1])
        return LocalDate(dayNumber: Int(workingDays[i]) + Self.firstDate.dayNumber)
    }

    /// S(t): the local date of t if it is a working day before the cutoff, else the next working day.
    public func startDay(_ instant: Date) -> LocalDate {
        let local = localTime.local(instant)
        if isWorkingDay(local.date), localTime.localSecondOfDay(instant) < Double(definition.cutoff * 60) {
            return local.date
        }
        return nextWorkingDay(after: local.date)
    }

    /// The working day `n` working days after the working day `day` (n = 0 is the day itself).
    public func workingDay(_ n: Int, after day: LocalDate) -> LocalDate {
        let i = Int(ordinal[index(day)]) + n
        return LocalDate(dayNumber: Int(workingDays[i]) + Self.firstDate.dayNumber)
    }

    /// dueAt(t, N): 17:00 local on the working day N working days after S(t).
    public func dueAt(_ instant: Date, workingDays n: Int) -> Date {
        localTime.instant(workingDay(n, after: startDay(instant)), minute: definition.officeClose)
    }

    /// Office-hours seconds on working days between two instants (0 if `end` is not after `start`).
    public func workingSeconds(from start: Date, to end: Date) -> Double {
        guard end > start else { return 0 }
        let open = Double(definition.officeOpen * 60), close = Double(definition.officeClose * 60)
        let a = localTime.local(start).date, b = localTime.local(end).date
        func clamp(_ s: Double) -> Double { min(max(s, open), close) }
        let sa = localTime.localSecondOfDay(start), sb = localTime.localSecondOfDay(end)
        if a == b {
            return isWorkingDay(a) ? max(0, clamp(sb) - clamp(sa)) : 0
        }
        var total = 0.0
        if isWorkingDay(a) { total += close - clamp(sa) }
        if isWorkingDay(b) { total += clamp(sb) - open }
        let fullDays = Int(ordinal[index(b)] - ordinal[index(a) + 1])
        total += Double(fullDays) * (close - open)
        return total
    }

    /// The instant at which `seconds` of office time on working days have passed since `start`.
    public func addingWorkingSeconds(_ seconds: Double, to start: Date) -> Date {
        let open = Double(definition.officeOpen * 60), close = Double(definition.officeClose * 60)
        var day = localTime.local(start).date
        var from = localTime.localSecondOfDay(start)
        var remaining = max(0, seconds)
        while day < Self.lastDate {
            if isWorkingDay(day) {
                let begin = min(max(from, open), close)
                if remaining <= close - begin {
                    return localTime.instant(day, minute: 0).addingTimeInterval(begin + remaining)
                }
                remaining -= close - begin
            }
            day = day.adding(days: 1)
            from = 0
        }
        return localTime.instant(Self.lastDate, minute: definition.officeClose)
    }

    /// Office seconds in one working day.
    public var officeDaySeconds: Double { Double((definition.officeClose - definition.officeOpen) * 60) }

    /// Working days between two instants, as a fraction of office days (for lateness and stats).
    public func workingDays(from start: Date, to end: Date) -> Double {
        workingSeconds(from: start, to: end) / Double((definition.officeClose - definition.officeOpen) * 60)
    }

    /// The years within `horizonDays` of `today` that the holiday list does not cover.
    public func uncoveredYears(today: LocalDate, horizonDays: Int = 60) -> [Int] {
        let years = Set([today.year, today.adding(days: horizonDays).year])
        return years.subtracting(definition.years).sorted()
    }
}
