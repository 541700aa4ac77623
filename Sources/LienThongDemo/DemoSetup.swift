import Foundation
import LienThongCore
import LienThongRuntime

extension ServiceSetup {
    /// The embedded demo (no `--config`): its agencies, ward officer and supervisor with the fixed tokens printed at
    /// start. With `pushTo` the agencies are push agencies answered by the in-process simulator there.
    public static func demo(environment: [String: String] = [:], schemas: SchemaFiles, today: Date,
                            pushTo: URL? = nil) throws(ConfigurationError) -> ServiceSetup {
        try ServiceSetup(json: DemoConfig.json(pushTo: pushTo), baseDirectory: nil, environment: environment, schemas: schemas,
                         today: today, demoTokens: DemoConfig.tokens)
    }
}
