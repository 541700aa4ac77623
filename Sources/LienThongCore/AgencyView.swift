import Foundation

/// What an agency may see of a dossier (SPEC §6): the fields its task definition discloses, plus the
/// upstream results its task takes as inputs. Nothing else leaves the service.
public enum AgencyView {
    public static func payload(of dossier: Dossier, task: AgencyTask, catalog: ProcedureCatalog) -> JSONValue {
        guard let definition = catalog.procedures[dossier.procedure]?.task(task.kind) else { return .object([:]) }
        var out = JSONValue.object([:])
        if definition.disclosure.contains("*") {
            out = dossier.data
        } else {
            for path in definition.disclosure {
                let keys = path.split(separator: ".").map(String.init)
                if let value = dossier.data.value(atPath: keys) { out = out.setting(value, at: keys) }
            }
        }
        for (target, source) in definition.inputs.sorted(by: { $0.key < $1.key }) {
            let parts = source.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2,
                  let upstream = dossier.tasks.first(where: { $0.kind == parts[0] && $0.status == .completed }),
                  let value = upstream.result?[parts[1]] else { continue }
            out = out.setting(value, at: target.split(separator: ".").map(String.init))
        }
        return out
    }
}

extension JSONValue {
    /// A copy with `value` stored at a path of object keys, creating objects on the way.
    public func setting(_ value: JSONValue, at path: [String]) -> JSONValue {
        guard let first = path.first else { return value }
        var members = objectValue ?? [:]
        members[first] = (members[first] ?? .object([:])).setting(value, at: Array(path.dropFirst()))
        return .object(members)
    }
}
