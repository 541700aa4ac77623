import Foundation
import LienThongCore
import LienThongTesting
import Testing

@Suite("Working-day calendar (SPEC §2)")
struct CalendarTests {
    let calendar = Fixtures.calendar()
    let at = Fixtures.at
    func iso(_ date: Date) -> String { RFC3339.format(date, in: Fixtures.timeZone) }

    @Test func specExampleAcrossTet() {
        let received = at("2026-02-13T16:00:00+07:00")
        #expect(calendar.startDay(received).description == "2026-02-23")
        #expect(iso(calendar.dueAt(received, workingDays: 3)) == "2026-02-26T17:00:00+07:00")
    }

    @Test func specExampleOrdinaryWeek() {
        let received = at("2026-03-04T10:00:00+07:00")
        #expect(iso(calendar.dueAt(received, workingDays: 0)) == "2026-03-04T17:00:00+07:00")
        #expect(iso(calendar.dueAt(received, workingDays: 3)) == "2026-03-09T17:00:00+07:00")
    }

    @Test func cutoffIsExclusiveAtFifteenHundred() {
        #expect(calendar.startDay(at("2026-03-04T14:59:59+07:00")).description == "2026-03-04")
        #expect(calendar.startDay(at("2026-03-04T15:00:00+07:00")).description == "2026-03-05")
        // 15:00 local is 08:00 UTC: the zone, not UTC, decides.
        #expect(calendar.startDay(at("2026-03-04T07:59:00Z")).description == "2026-03-04")
    }

    @Test func makeUpSaturdayCountsAndNationalDayDoesNot() {
        // Sat 22 Aug 2026 is a make-up working day; 31 Aug – 2 Sep are off.
        #expect(calendar.isWorkingDay(LocalDate(iso: "2026-08-22")!))
        #expect(!calendar.isWorkingDay(LocalDate(iso: "2026-08-31")!))
        #expect(calendar.startDay(at("2026-08-21T16:00:00+07:00")).description == "2026-08-22")
        #expect(iso(calendar.dueAt(at("2026-08-21T16:00:00+07:00"), workingDays: 1)) == "2026-08-24T17:00:00+07:00")
        #expect(iso(calendar.dueAt(at("2026-08-28T09:00:00+07:00"), workingDays: 1)) == "2026-09-03T17:00:00+07:00")
    }

    @Test func weekendFromConfiguration() {
        var definition = calendar.definition
        definition.weekend = [0] // only Sunday off
        let sixDay = WorkingDayCalendar(definition: definition, timeZone: Fixtures.timeZone, version: "test")
        #expect(sixDay.startDay(at("2026-03-07T09:00:00+07:00")).description == "2026-03-07")
    }

    @Test func workingTimeCountsOnlyOfficeHoursOnWorkingDays() {
        // Fri 16:00 → Mon 09:00: one hour on Friday, one on Monday.
        #expect(calendar.workingSeconds(from: at("2026-03-06T16:00:00+07:00"), to: at("2026-03-09T09:00:00+07:00")) == 7200)
        // Across Tết: Fri 13 Feb 08:00 → Mon 23 Feb 08:00 is one working day.
        #expect(calendar.workingDays(from: at("2026-02-13T08:00:00+07:00"), to: at("2026-02-23T08:00:00+07:00")) == 1)
    }

    // MARK: Property test against a plain day-by-day reference

    /// The rule of SPEC §2 written the slow, obvious way, with Foundation's calendar for the local date.
    struct Reference {
        let definition: WorkingDayCalendar.Definition
        var gregorian: Calendar = {
            var c = Calendar(identifier: .gregorian)
            c.timeZone = Fixtures.timeZone
            return c
        }()

        func localDate(_ instant: Date) -> LocalDate {
            let c = gregorian.dateComponents([.year, .month, .day], from: instant)
            return LocalDate(year: c.year!, month: c.month!, day: c.day!)!
        }

        func isWorking(_ date: LocalDate) -> Bool {
            if definition.makeUpWorkingDays.contains(date) { return true }
            if definition.holidays.contains(date) { return false }
            let c = date.components
            let weekday = gregorian.component(.weekday, from: gregorian.date(from: DateComponents(year: c.year, month: c.month, day: c.day, hour: 12))!) - 1
            return !definition.weekend.contains(weekday)
        }

        func dueAt(_ instant: Date, _ n: Int) -> Date {
            var day = localDate(instant)
            let c = gregorian.dateComponents([.hour, .minute, .second], from: instant)
            let secondsOfDay = c.hour! * 3600 + c.minute! * 60 + c.second!
            if !(isWorking(day) && secondsOfDay < definition.cutoff * 60) {
                repeat { day = day.adding(days: 1) } while !isWorking(day)
            }
            var remaining = n
            while remaining > 0 {
                repeat { day = day.adding(days: 1) } while !isWorking(day)
                remaining -= 1
            }
            let d = day.components
            return gregorian.date(from: DateComponents(year: d.year, month: d.month, day: d.day, hour: definition.officeClose / 60,
                                                       minute: definition.officeClose % 60))!
        }

        func workingSeconds(_ a: Date, _ b: Date) -> Double {
            guard b > a else { return 0 }
            var total = 0.0
            var day = localDate(a)
            while day <= localDate(b) {
                if isWorking(day) {
                    let c = day.components
                    let open = gregorian.date(from: DateComponents(year: c.year, month: c.month, day: c.day, hour: 8))!
                    let close = gregorian.date(from: DateComponents(year: c.year, month: c.month, day: c.day, hour: 17))!
                    let lo = max(open, a), hi = min(close, b)
                    if hi > lo { total += hi.timeIntervalSince(lo) }
                }
                day = day.adding(days: 1)
            }
            return total
        }
    }

    @Test func matchesDayByDayReferenceOverRandomInstantsIn2026() {
        let reference = Reference(definition: calendar.definition)
        var rng = SplitMix(seed: 20_260_216)
        let start = at("2026-01-01T00:00:00+07:00").timeIntervalSince1970
        let end = at("2026-12-31T23:59:59+07:00").timeIntervalSince1970
        for _ in 0..<3000 {
            let instant = Date(timeIntervalSince1970: Double.random(in: start...end, using: &rng).rounded())
            let n = Int.random(in: 0...7, using: &rng)
            #expect(calendar.dueAt(instant, workingDays: n) == reference.dueAt(instant, n), "dueAt(\(iso(instant)), \(n))")
            let other = instant.addingTimeInterval(Double.random(in: 0...(20 * 86400), using: &rng).rounded())
            #expect(calendar.workingSeconds(from: instant, to: other) == reference.workingSeconds(instant, other),
                    "working seconds \(iso(instant)) → \(iso(other))")
        }
    }

    @Test func everyTetDayIsOffInTheShippedCalendar() {
        for day in 16...20 {
            #expect(!calendar.isWorkingDay(LocalDate(year: 2026, month: 2, day: day)!))
        }
    }

    @Test func yearWithoutCalendarIsReportedWithinSixtyDays() {
        var definition = calendar.definition
        definition.years = [2026]
        let only2026 = WorkingDayCalendar(definition: definition, timeZone: Fixtures.timeZone, version: "test")
        #expect(only2026.uncoveredYears(today: LocalDate(iso: "2026-10-01")!) == [])
        #expect(only2026.uncoveredYears(today: LocalDate(iso: "2026-11-24")!) == [2027])
    }
}
