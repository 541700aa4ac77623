import Foundation
import LienThongCore
import LienThongStore

/// Citizen message templates (`Schemas/templates/citizen-messages.json`): `{placeholder}` text per message kind.
public struct CitizenTemplates: Sendable {
    public let templates: [OutboxMessage.Kind: String]

    public static let placeholders: Set<String> = ["trackingCode", "dueDate", "procedureName", "results", "reason", "supportPhone", "supportEmail"]

    /// Loads the templates and refuses any that needs a value the configuration lacks (e.g. `{supportPhone}`
    /// without `support.phone`), so no citizen is ever promised a contact that does not exist.
    public init(json: JSONValue, support: SupportContacts, key: String) throws(ConfigurationError) {
        var templates: [OutboxMessage.Kind: String] = [:]
        for kind in [OutboxMessage.Kind.citizenReceived, .citizenReady] {
            guard let text = json[kind.rawValue]?.stringValue, !text.isEmpty else {
                throw ConfigurationError(key: "\(key).\(kind.rawValue)", "template is missing")
            }
            for name in Self.names(in: text) {
                guard Self.placeholders.contains(name) else {
                    throw ConfigurationError(key: "\(key).\(kind.rawValue)", "unknown placeholder {\(name)}")
                }
                if name == "supportPhone", support.phone == nil {
                    throw ConfigurationError(key: "support.phone", "template '\(kind.rawValue)' needs {supportPhone}; configure support.phone or change the template")
                }
                if name == "supportEmail", support.email == nil {
                    throw ConfigurationError(key: "support.email", "template '\(kind.rawValue)' needs {supportEmail}; configure support.email or change the template")
                }
            }
            templates[kind] = text
        }
        self.templates = templates
    }

    static func names(in text: String) -> [String] {
        text.matches(of: #/\{([A-Za-z]+)\}/#).map { String($0.output.1) }
    }

    /// The template with each `{name}` replaced by its value, in one pass (a value is never scanned again).
    func render(_ kind: OutboxMessage.Kind, values: [String: String]) -> String {
        let template = templates[kind] ?? ""
        var out = ""
        out.reserveCapacity(template.utf8.count + 64)
        var rest = template[...]
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            let afterOpen = rest.index(after: open)
            if let close = rest[afterOpen...].firstIndex(of: "}"), let value = values[String(rest[afterOpen..<close])] {
                out += value
                rest = rest[rest.index(after: close)...]
            } else {
                out.append("{")
                rest = rest[afterOpen...]
            }
        }
        out += rest
        return out
    }
}

/// Renders the body of each outbox message at the moment it is written, so retries send the same bytes.
public struct MessageRenderer: Sendable {
    let views: Views
    let templates: CitizenTemplates?
    let support: SupportContacts

    public init(views: Views, templates: CitizenTemplates?, support: SupportContacts) {
        self.views = views
        self.templates = templates
        self.support = support
    }

    public func record(_ message: OutboxMessage, id: String, dossier: Dossier, now: Date) -> DeliveryRecord {
        let body: JSONValue
        if message.kind.isCitizenMessage {
            let procedure = views.workflow.catalog.procedures[dossier.procedure]
            let due = RFC3339.format(dossier.dueAt, in: views.workflow.calendar.localTime.timeZone)
            let text = templates?.render(message.kind, values: [
                "trackingCode": dossier.trackingCode, "dueDate": views.workflow.localText(dossier.dueAt),
                "procedureName": procedure?.labels.name.vi ?? dossier.procedure,
                "results": procedure?.labels.results.vi ?? "",
                "reason": dossier.refuseReason ?? "",
                "supportPhone": support.phone ?? "", "supportEmail": support.email ?? "",
            ]) ?? ""
            let declarant = dossier.data["declarant"]
            body = ["type": .string(message.kind.rawValue), "dossierId": .string(dossier.id),
                    "trackingCode": .string(dossier.trackingCode), "dueAt": .string(due),
                    "to": ["phone": declarant?["phone"] ?? .null, "email": declarant?["email"] ?? .null],
                    "text": .string(text)]
        } else if message.kind == .portalStatus {
            body = views.workflow.portalBody(dossier)
        } else {
            let task = dossier.tasks.first { $0.id == message.taskId }
            body = ["type": .string(message.kind.rawValue),
                    "task": task.map { views.agencyTask($0, dossier: dossier, now: now) } ?? .null]
        }
        return DeliveryRecord(id: id, kind: message.kind, agency: message.agency, taskId: message.taskId, dossierId: dossier.id,
                              body: EventChain.canonicalJSON(body), now: now)
    }
}
