import Foundation
import LienThongCore
import LienThongRuntime

/// Plausible results for simulated agencies (the demo story and the agency simulator), made from the result
/// types each procedure file declares.
public enum DemoResults {
    public static func result(kind: String, types: [String: [String: String]], at instant: Date, in zone: TimeZone) -> JSONValue {
        let text = RFC3339.format(instant, in: zone)
        var result: [String: JSONValue] = [:]
        for (field, type) in types[kind] ?? [:] {
            result[field] = switch ResultType(rawValue: type) ?? .text {
            case .personalId: .string("0012" + DemoStory.digits(8))
            case .date: .string(String(text.prefix(10)))
            case .instant: .string(text)
            case .amount: .number(Double(Int.random(in: 10...50) * 100_000))
            case .text: .string("\(Int.random(in: 1...999))/\(text.prefix(4))/\(DemoStory.digits(4))")
            }
        }
        return .object(result)
    }
}
