import ArgumentParser
import Foundation
import LienThongCore
import LienThongStore

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check the event log.", subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute every dossier's hash chain; exit 1 naming the first event that does not match.")

        @Option(help: "SQLite database file or postgres:// URL (default: LIENTHONG_DATABASE, else data/lienthong.sqlite).")
        var database: String?

        func run() async throws {
            let database = database ?? ProcessInfo.processInfo.environment["LIENTHONG_DATABASE"] ?? "data/lienthong.sqlite"
            guard StoreOpening.isPostgres(database) || FileManager.default.fileExists(atPath: database) else {
                throw ValidationError("no database at \(database)")
            }
            let store = try await StoreOpening.open(database, create: false)
            let outcome = try await store.verifyEventLog()
            await StoreOpening.close(store)
            if let bad = outcome.firstBreak {
                let why = switch bad.reason {
                case .wrongHash: "its hash does not match its content"
                case .wrongPrevHash: "its prevHash does not match the previous event's hash"
                case .wrongSeq(let expected): "its seq should be \(expected) (an event is missing)"
                }
                print("audit: FAILED at dossier \(bad.event.dossierId) event seq \(bad.event.seq) (\(bad.event.type)): \(why)")
                throw ExitCode(1)
            }
            print("audit: OK — \(outcome.checked) events checked, every chain intact")
        }
    }
}
