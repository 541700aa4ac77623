import ArgumentParser

@main
struct LienThongCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lienthong",
        abstract: "LienThong: the 3-in-1 civil-registry bundle (birth registration, residence, health insurance).",
        subcommands: [Serve.self, SimulateAgencies.self, Audit.self, Bench.self],
        defaultSubcommand: nil
    )
}
