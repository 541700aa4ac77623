import Foundation
import LienThongCore

/// The data files under `Schemas/`: procedures, SLA profiles and calendars.
public struct SchemaFiles: Sendable {
    public let directory: URL

    public init(directory: URL) { self.directory = directory }

    /// `$LIENTHONG_SCHEMAS`, else `./Schemas`, else a `Schemas` folder above the executable.
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) -> SchemaFiles? {
        var candidates: [URL] = []
        if let explicit = environment["LIENTHONG_SCHEMAS"] { candidates.append(URL(fileURLWithPath: explicit)) }
        candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("Schemas"))
        var dir = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            candidates.append(dir.appendingPathComponent("Schemas"))
            dir = dir.deletingLastPathComponent()
        }
        let found = candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("procedures").path) }
        return found.map(SchemaFiles.init(directory:))
    }

    func jsonFiles(_ folder: String) throws(ConfigurationError) -> [(name: String, data: Data)] {
        let url = directory.appendingPathComponent(folder)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: url.path) else {
            throw ConfigurationError(key: "schemas", "cannot read \(url.path)")
        }
        var files: [(String, Data)] = []
        for name in names.sorted() where name.hasSuffix(".json") {
            guard let data = FileManager.default.contents(atPath: url.appendingPathComponent(name).path) else {
                throw ConfigurationError(key: "schemas", "cannot read \(folder)/\(name)")
            }
            files.append((name, data))
        }
        return files
    }

    public func procedures() throws(ConfigurationError) -> [ProcedureDefinition] {
        try jsonFiles("procedures").map { file throws(ConfigurationError) in
            do { return try JSONDecoder().decode(ProcedureDefinition.self, from: file.data) } catch {
                throw ConfigurationError(key: "procedures/\(file.name)", "is not a valid procedure file: \(error)")
            }
        }
    }

    public func slaProfiles() throws(ConfigurationError) -> [SLAProfile] {
        try jsonFiles("sla-profiles").map { file throws(ConfigurationError) in
            do { return try JSONDecoder().decode(SLAProfile.self, from: file.data) } catch {
                throw ConfigurationError(key: "sla-profiles/\(file.name)", "is not a valid SLA profile: \(error)")
            }
        }
    }

    public func citizenTemplates() throws(ConfigurationError) -> JSONValue {
        let path = directory.appendingPathComponent("templates/citizen-messages.json").path
        guard let data = FileManager.default.contents(atPath: path),
              let json = try? JSONDecoder().decode(JSONValue.self, from: data) else {
            throw ConfigurationError(key: "templates/citizen-messages.json", "cannot read \(path)")
        }
        return json
    }

    /// Every shipped calendar file merged, with a version naming each file and its content hash.
    public func calendars() throws(ConfigurationError) -> (definition: WorkingDayCalendar.Definition, version: String) {
        var merged: WorkingDayCalendar.Definition?
        var versions: [String] = []
        for file in try jsonFiles("calendars") {
            let definition = try Self.calendar(data: file.data, key: "calendars/\(file.name)")
            merged = merged.map { $0.merged(with: definition) } ?? definition
            versions.append("\(file.name)@\(contentHash(file.data))")
        }
        guard let merged else { throw ConfigurationError(key: "calendar", "no calendar files in \(directory.path)/calendars") }
        return (merged, versions.joined(separator: ","))
    }

    static func calendar(data: Data, key: String) throws(ConfigurationError) -> WorkingDayCalendar.Definition {
        guard let json = try? JSONDecoder().decode(JSONValue.self, from: data) else {
            throw ConfigurationError(key: key, "is not valid JSON")
        }
        guard json["source"]?.stringValue?.isEmpty == false else {
            throw ConfigurationError(key: "\(key).source", "must name the calendar's legal source")
        }
        return try WorkingDayCalendar.Definition(json: json, keyPrefix: key)
    }
}
