import ArgumentParser

@main
struct LienThongCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lienthong",
        abstract: "LienThong: interlinked civil-registry bundles (liên thông), procedures defined as data.",
        subcommands: [Serve.self, SimulateAgencies.self, Audit.self, MigrateStore.self, Bench.self, DossierSchemaCommand.self],
        defaultSubcommand: nil
    )
}
