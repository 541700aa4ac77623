import Foundation
import LienThongCore
import LienThongRuntime

/// The embedded demo's configuration: four agencies, one ward officer (ward 00004) and a supervisor, fixed tokens.
public enum DemoConfig {
    /// The agencies of the demo, with their names.
    static let agencies: [(code: String, name: String)] = [
        ("justice", "Tư pháp – Hộ tịch phường"), ("police", "Công an phường"), ("insurance", "Bảo hiểm xã hội"),
        ("social-affairs", "Phòng Văn hóa – Xã hội (chính sách xã hội)"),
    ]

    /// The simulated agencies that take longer than the others (so the dashboard has overdue work to show).
    public static let slowAgencies: [String: Duration] = ["insurance": .seconds(20)]

    /// The tokens printed at start.
    public static var tokens: [(role: String, token: String)] {
        [("ward-officer (ward 00004)", "demo-ward-00004-token"), ("supervisor", "demo-supervisor-token"),
         ("portal (online dossiers)", "demo-portal-token")]
            + agencies.map { ("agency \($0.code)", "demo-\($0.code)-token") }
    }

    /// A fresh Standard Webhooks secret.
    static func freshSecret() -> String {
        var key = [UInt8](repeating: 0, count: 32)
        var rng = SystemRandomNumberGenerator()
        for i in key.indices { key[i] = rng.next() }
        return "whsec_" + Data(key).base64EncodedString()
    }

    /// With `pushTo`, the agencies are push agencies at `<pushTo>/hooks/<code>` with fresh secrets and the
    /// national portal's status sync goes to `<pushTo>/portal/hooks` (the in-process simulator answers there);
    /// without it the agencies pull and no portal sync is configured.
    public static func json(pushTo: URL? = nil) -> JSONValue {
        func agency(_ code: String, _ name: String) -> JSONValue {
            var o: [String: JSONValue] = ["code": .string(code), "name": .string(name), "token": .string("demo-\(code)-token")]
            if let pushTo {
                o["mode"] = "push"
                o["endpoint"] = .string(pushTo.appendingPathComponent("hooks/\(code)").absoluteString)
                o["secret"] = .string(freshSecret())
            } else {
                o["mode"] = "pull"
            }
            return .object(o)
        }
        var config: JSONValue = [
            "timeZone": "Asia/Ho_Chi_Minh",
            "slaProfile": "decree-63-2024",
            "agencies": .array(agencies.map { agency($0.code, $0.name) }),
            "tokens": [
                ["role": "ward-officer", "ward": "00004", "token": "demo-ward-00004-token"],
                ["role": "supervisor", "token": "demo-supervisor-token"],
                ["role": "portal", "token": "demo-portal-token"],
            ],
            "support": ["phone": "+842438253536", "email": "hotro@example.gov.vn"],
        ]
        if let pushTo {
            config = config.merging(["portal": ["endpoint": .string(pushTo.appendingPathComponent("portal/hooks").absoluteString),
                                                "secret": .string(freshSecret())]])
        }
        return config
    }
}
