import Foundation
import LienThongCore
import Logging

/// One line per log event on standard error, as logfmt (`ts=… level=info logger=… msg="…" key=value`) or as a
/// JSON object. Metadata keys are dotted (`dossier.id`, `task.agency`).
public struct StructuredLogHandler: LogHandler {
    public enum Format: String, Sendable { case logfmt, json }

    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    let label: String
    let format: Format

    public init(label: String, format: Format, level: Logger.Level = .info) {
        self.label = label
        self.format = format
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [(String, String)] = [("ts", Self.timestamp()), ("level", event.level.rawValue), ("logger", label),
                                          ("msg", event.message.description)]
        var merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        if let error = event.error, merged["error"] == nil { merged["error"] = "\(error)" }
        for key in merged.keys.sorted() { fields.append((key, "\(merged[key]!)")) }
        FileHandle.standardError.write(Data((Self.render(fields, format) + "\n").utf8))
    }

    public static func render(_ fields: [(String, String)], _ format: Format) -> String {
        switch format {
        case .json:
            // Sorted keys, as JSONEncoder with .sortedKeys wrote them, without its per-line cost.
            return JSONValue.object(Dictionary(fields.map { ($0.0, JSONValue.string($0.1)) }, uniquingKeysWith: { _, last in last })).canonicalText
        case .logfmt:
            return fields.map { key, value in "\(key)=\(quote(value))" }.joined(separator: " ")
        }
    }

    /// logfmt quoting: bare when the value has no space, quote, equals sign or control character.
    static func quote(_ value: String) -> String {
        let needs = value.isEmpty || value.contains { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline || $0 == "\\" }
        guard needs else { return value }
        let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
        return "\"\(escaped)\""
    }

    static func timestamp() -> String { RFC3339.formatUTCMillis(Date()) }
}
