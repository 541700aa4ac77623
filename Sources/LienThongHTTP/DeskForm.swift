import Foundation
import LienThongCore

/// The desk's forms, built from a procedure's form definition (so a new procedure file brings its form). Every
/// input names its JSON Pointer in `data-pointer`: the page's script builds the request body from them and puts
/// each problem of a 422 next to the input at its pointer. Dates are shown and typed dd/mm/yyyy.
struct DeskForm {
    let t: DashboardText
    /// Makes element ids unique when several forms are on the page.
    let idPrefix: String

    func id(_ pointer: String) -> String {
        idPrefix + pointer.map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined()
    }

    func label(_ f: FieldDefinition) -> String { f.label?.text(english: !t.vi) ?? f.key }

    /// The intake form of one procedure: its optional tasks to include, the channel, then its sections.
    func intake(_ p: ProcedureDefinition) -> String {
        var out = "<form class=\"intake\" data-procedure=\"\(html(p.code))\" novalidate>"
        out += "<h2>\(html(p.labels.name.text(english: !t.vi)))</h2>"
        let optional = p.tasks.filter(\.isOptional)
        if !optional.isEmpty {
            out += "<fieldset class=\"include\"><legend>\(html(t("Thủ tục kèm theo", "Included procedures")))</legend>"
            for task in optional {
                let box = id("/include/\(task.kind)")
                out += """
                    <label class="check" for="\(box)"><input type="checkbox" id="\(box)" data-include="\(html(task.kind))" checked> \
                    \(html(t.kind(task.kind)))</label>
                    """
            }
            out += "</fieldset>"
        }
        out += scalarField(key: "channel", label: t("Kênh tiếp nhận", "Channel"), pointer: "/channel", type: "enum", required: true,
                           choices: [("counter", t("Tại quầy một cửa", "At the one-stop desk")), ("online", t("Trực tuyến", "Online"))],
                           value: "counter")
        for section in p.form.sections {
            out += field(section.field, at: "/\(section.field.key)", value: nil, includedWith: section.includedWith)
        }
        out += """
            <div class="actions"><button type="submit" class="primary">\(html(t("Tiếp nhận hồ sơ", "Receive the dossier")))</button>\
            <button type="reset">\(html(t("Nhập lại", "Clear")))</button></div></form>
            """
        return out
    }

    /// The fields at dotted paths of a dossier (`child.placeOfBirth`, `residence`), filled with its current values
    /// (a correction or a supplement).
    func fields(paths: [String], procedure p: ProcedureDefinition, data: JSONValue) -> String {
        var out = ""
        // `*` (an agency that sees everything): every section the dossier has.
        let expanded = paths.flatMap { $0 == "*" ? p.form.sections.map(\.field.key).filter { data[$0] != nil } : [$0] }
        for path in expanded {
            let keys = path.split(separator: ".").map(String.init)
            guard let first = keys.first, let section = p.form.sections.first(where: { $0.field.key == first }) else { continue }
            var definition = section.field
            var value = data[first]
            for key in keys.dropFirst() {
                guard let next = definition.fields?.first(where: { $0.key == key }) else { break }
                definition = next
                value = value?[key]
            }
            out += field(definition, at: "/" + keys.joined(separator: "/"), value: value, includedWith: nil)
        }
        return out
    }

    func field(_ f: FieldDefinition, at pointer: String, value: JSONValue?, includedWith: String?) -> String {
        switch f.type {
        case "object":
            let included = includedWith.map { " data-included-with=\"\(html($0))\"" } ?? ""
            let optional = !f.isRequired && pointer.dropFirst().contains("/") == false ? " <span class=\"opt\">\(html(t("(nếu có)", "(if any)")))</span>" : ""
            var out = "<fieldset data-pointer=\"\(html(pointer))\"\(included)><legend>\(html(label(f)))\(optional)</legend>"
            for child in f.fields ?? [] { out += field(child, at: "\(pointer)/\(child.key)", value: value?[child.key], includedWith: nil) }
            return out + "</fieldset>"
        case "array":
            let items = value?.arrayValue ?? []
            var out = "<fieldset class=\"array\" data-pointer=\"\(html(pointer))\"><legend>\(html(label(f)))</legend><div class=\"items\">"
            for i in 0..<max(1, items.count) {
                out += "<div class=\"item\" data-index=\"\(i)\">"
                for child in f.fields ?? [] {
                    out += field(child, at: "\(pointer)/\(i)/\(child.key)", value: items.indices.contains(i) ? items[i][child.key] : nil, includedWith: nil)
                }
                out += "</div>"
            }
            return out + "</div><button type=\"button\" data-add-item>\(html(t("Thêm người", "Add a person")))</button></fieldset>"
        case "place":
            var out = "<fieldset class=\"place\" data-pointer=\"\(html(pointer))\"><legend>\(html(label(f)))\(f.isRequired ? requiredMark : "")</legend>"
            out += scalarField(key: "country", label: t("Quốc gia (mã, VD: VN, FR)", "Country (code, e.g. VN, FR)"), pointer: "\(pointer)/country",
                               type: "country", required: false, value: value?["country"]?.stringValue ?? (value == nil ? "VN" : nil))
            out += scalarField(key: "province", label: t("Tỉnh/thành (mã 2 số)", "Province (2-digit code)"), pointer: "\(pointer)/province",
                               type: "digits", required: false, value: value?["province"]?.stringValue)
            out += scalarField(key: "commune", label: t("Phường/xã (mã 5 số)", "Commune (5-digit code)"), pointer: "\(pointer)/commune",
                               type: "digits", required: false, value: value?["commune"]?.stringValue)
            out += scalarField(key: "text", label: t("Địa danh, địa chỉ (bắt buộc khi ở nước ngoài)", "Place name (required abroad)"),
                               pointer: "\(pointer)/text", type: "text", required: false, value: value?["text"]?.stringValue)
            return out + "</fieldset>"
        default:
            let choices = f.values.map { values in
                values.map { ($0, f.valueLabels?[$0]?.text(english: !t.vi) ?? $0) }
            }
            return scalarField(key: f.key, label: label(f), pointer: pointer, type: f.type, required: f.isRequired, choices: choices,
                               value: value?.stringValue, maxLength: f.length ?? f.maxLength)
        }
    }

    var requiredMark: String { "<span class=\"req\" title=\"\(html(t("bắt buộc", "required")))\"> *</span>" }

    /// One labelled input (or select) with the empty problem holder the script fills after a 422.
    func scalarField(key: String, label: String, pointer: String, type: String, required: Bool, choices: [(String, String)]? = nil,
                     value: String?, maxLength: Int? = nil) -> String {
        let id = id(pointer)
        let common = "id=\"\(id)\" name=\"\(html(pointer))\" data-pointer=\"\(html(pointer))\" data-type=\"\(html(type))\""
            + (required ? " aria-required=\"true\"" : "")
        let control: String
        if let choices {
            let options = ["<option value=\"\"></option>"] + choices.map { v, name in
                "<option value=\"\(html(v))\"\(v == value ? " selected" : "")>\(html(name))</option>"
            }
            control = "<select \(common)>\(options.joined())</select>"
        } else {
            var attributes = " autocomplete=\"off\""
            var shown = value ?? ""
            switch type {
            case "date":
                attributes += " inputmode=\"numeric\" placeholder=\"\(t("ngày/tháng/năm", "dd/mm/yyyy"))\" maxlength=\"10\""
                if let date = value.flatMap(LocalDate.init(iso:)) { shown = Self.vietnamese(date) }
            case "phone": attributes += " inputmode=\"tel\" placeholder=\"+84… / 09…\""
            case "email": attributes += " inputmode=\"email\""
            case "digits", "personal-id": attributes += " inputmode=\"numeric\""
            case "country": attributes += " maxlength=\"2\" class=\"short\""
            default: if let maxLength { attributes += " maxlength=\"\(maxLength)\"" }
            }
            control = "<input type=\"text\" \(common)\(attributes) value=\"\(html(shown))\">"
        }
        return """
            <div class="field"><label for="\(id)">\(html(label))\(required ? requiredMark : "")</label>\(control)\
            <p class="problem" id="\(id)-problem" hidden></p></div>
            """
    }

    /// A local date as Vietnamese officers write it: 05/03/2026.
    static func vietnamese(_ date: LocalDate) -> String {
        let parts = date.description.split(separator: "-")
        return parts.count == 3 ? "\(parts[2])/\(parts[1])/\(parts[0])" : date.description
    }
}
