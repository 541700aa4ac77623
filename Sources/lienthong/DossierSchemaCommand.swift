import ArgumentParser
import Foundation
import LienThongCore
import LienThongRuntime

/// Writes `Schemas/dossiers/<procedure>.schema.json` for every procedure file (and `Schemas/dossier.schema.json`,
/// the union), derived from the forms. A test fails when a committed file differs from what this writes.
struct DossierSchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dossier-schema",
                                                    abstract: "Write the dossiers' JSON Schemas derived from the procedure files.")

    func run() throws {
        guard let schemas = SchemaFiles.locate() else { throw ValidationError("cannot find the Schemas/ folder") }
        let folder = schemas.directory.appendingPathComponent("dossiers")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, document) in try DossierSchemaFiles.documents(schemas.procedures()) {
            try DossierSchemaFiles.text(document).write(to: schemas.directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
            print("wrote Schemas/\(name)")
        }
    }
}
