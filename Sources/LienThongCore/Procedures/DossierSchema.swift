import Foundation

/// The JSON Schema of a procedure's submission, derived from its form definition, so that the published schema
/// (`Schemas/dossiers/<code>.schema.json`), the validator and the desk's form cannot drift apart. The schema says
/// what JSON Schema can; the validator also checks what it cannot (dates relative to each other and to today).
public enum DossierSchema {
    public static func document(for procedure: ProcedureDefinition) -> JSONValue {
        var properties: [String: JSONValue] = [
            "procedure": ["const": .string(procedure.code)],
            "ward": ["type": "string", "pattern": "^[0-9]{5}$", "description": "5-digit ward code"],
            "channel": ["type": "string", "enum": ["counter", "online"], "default": "counter"],
            "receivedAt": ["type": "string", "format": "date-time",
                           "description": "When the one-stop desk received it (default now): not in the future, at most 90 days back"],
        ]
        let optional = procedure.tasks.filter(\.isOptional).map(\.kind)
        if !optional.isEmpty {
            properties["include"] = ["type": "array", "uniqueItems": true, "default": [],
                                     "items": ["enum": .array(optional.map(JSONValue.string))]]
        } else {
            properties["include"] = ["type": "array", "maxItems": 0]
        }
        var required = ["procedure", "ward"]
        var conditions: [JSONValue] = []
        for section in procedure.form.sections {
            properties[section.field.key] = schema(section.field)
            if let task = section.includedWith {
                let key = JSONValue.string(section.field.key)
                conditions.append([
                    "if": ["required": ["include"], "properties": ["include": ["contains": ["const": .string(task)]]]],
                    "then": ["required": [key]],
                    "else": ["not": ["required": [key]]],
                ])
            } else if section.field.isRequired {
                required.append(section.field.key)
            }
        }
        var document: [String: JSONValue] = [
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": .string("https://lienthong.example.gov.vn/schemas/dossiers/\(procedure.code).schema.json"),
            "title": .string("\(procedure.code): \(procedure.labels.name.en)"),
            "description": .string("Generated from Schemas/procedures/\(procedure.code).json by `lienthong dossier-schema \(procedure.code)`; do not edit."),
            "type": "object", "additionalProperties": false,
            "properties": .object(properties),
            "required": .array(required.map(JSONValue.string)),
            "$defs": ["place": place],
        ]
        if !conditions.isEmpty { document["allOf"] = .array(conditions) }
        return .object(document)
    }

    static let place: JSONValue = [
        "type": "object", "additionalProperties": false, "required": ["country"],
        "description": "In Vietnam a 2-digit province code is required; abroad a free text",
        "properties": [
            "country": ["type": "string", "pattern": "^[A-Z]{2}$"], "province": ["type": "string", "pattern": "^[0-9]{2}$"],
            "district": ["type": "string"], "commune": ["type": "string", "pattern": "^[0-9]{5}$"],
            "text": ["type": "string", "minLength": 1, "maxLength": 200],
        ],
        "if": ["properties": ["country": ["const": "VN"]]], "then": ["required": ["province"]], "else": ["required": ["text"]],
    ]

    static func schema(_ f: FieldDefinition) -> JSONValue {
        var s: [String: JSONValue]
        switch f.type {
        case "object":
            s = object(f)
        case "array":
            s = ["type": "array", "items": .object(object(f))]
            if let low = f.minItems { s["minItems"] = .number(Double(low)) }
            s["maxItems"] = .number(Double(f.maxItems ?? 100))
        case "place": s = ["$ref": "#/$defs/place"]
        case "enum": s = ["type": "string", "enum": .array((f.values ?? []).map(JSONValue.string))]
        case "date": s = ["type": "string", "format": "date"]
        case "country": s = ["type": "string", "pattern": "^[A-Z]{2}$"]
        case "person-name": s = ["type": "string", "minLength": 1, "maxLength": 100]
        case "personal-id": s = ["type": "string", "pattern": "^[0-9]{12}$"]
        case "passport-no": s = ["type": "string", "pattern": "^[A-Za-z0-9]{5,20}$"]
        case "phone": s = ["type": "string", "pattern": "^\\+[1-9][0-9]{6,14}$"]
        case "email": s = ["type": "string", "format": "email", "maxLength": 254]
        case "code": s = ["type": "string", "pattern": "^[0-9A-Za-z][0-9A-Za-z-]{0,19}$"]
        case "digits":
            let low = f.length ?? f.minLength ?? 1, high = f.length ?? f.maxLength ?? low
            s = ["type": "string", "pattern": .string("^[0-9]{\(low),\(high)}$")]
        default:
            s = ["type": "string", "minLength": .number(Double(f.minLength ?? 1)), "maxLength": .number(Double(f.maxLength ?? 200))]
        }
        if let label = f.label { s["title"] = .string(label.vi); s["description"] = .string(label.en) }
        return .object(s)
    }

    static func object(_ f: FieldDefinition) -> [String: JSONValue] {
        let fields = f.fields ?? []
        var s: [String: JSONValue] = [
            "type": "object", "additionalProperties": false,
            "properties": .object(Dictionary(uniqueKeysWithValues: fields.map { ($0.key, schema($0)) })),
        ]
        let required = fields.filter(\.isRequired).map { JSONValue.string($0.key) }
        if !required.isEmpty { s["required"] = .array(required) }
        var all: [JSONValue] = []
        if let one = f.requireOne { all.append(["anyOf": .array(one.map { ["required": [.string($0)]] })]) }
        for field in fields {
            guard let when = field.requiredWhen else { continue }
            all.append(["if": ["required": [.string(when.field)], "properties": [when.field: ["const": .string(when.equals)]]],
                        "then": ["required": [.string(field.key)]]])
        }
        if !all.isEmpty { s["allOf"] = .array(all) }
        return s
    }
}
