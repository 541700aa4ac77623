import Foundation
import LienThongCore
import LienThongStore
import LienThongTesting
import Testing

@Suite("Encodings on the hot path")
struct EncodingTests {
    @Test func hexMatchesTheFormatterForEveryByte() {
        let bytes = (0...255).map(UInt8.init)
        #expect(Hex.string(bytes) == bytes.map { String(format: "%02x", $0) }.joined())
        #expect(Hex.string([UInt8]()) == "")
    }

    /// JSON Pointer tokens (RFC 6901): `~1` is '/', `~0` is '~', in that order; a plain token is taken as it is.
    @Test func pointersFindPlainAndEscapedKeys() {
        let value: JSONValue = ["child": ["fullName": "An"], "a/b": ["~x": "escaped"], "list": [["n": "first"]]]
        #expect(value.value(atPointer: "/child/fullName")?.stringValue == "An")
        #expect(value.value(atPointer: "/a~1b/~0x")?.stringValue == "escaped")
        #expect(value.value(atPointer: "/list/0/n")?.stringValue == "first")
        #expect(value.value(atPointer: "/child/missing") == nil)
        #expect(value.value(atPointer: "/a/b") == nil)
    }

    @Test func jsonValueDecodesEachKindAsItself() throws {
        let text = #"{"s":"1","t":true,"f":false,"n":1,"x":2.5,"z":null,"a":[1,"y",null,false,{"k":"v"}],"o":{"p":{"q":0}}}"#
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        let expected: JSONValue = [
            "s": "1", "t": true, "f": false, "n": 1, "x": .number(2.5), "z": .null,
            "a": [1, "y", .null, false, ["k": "v"]], "o": ["p": ["q": 0]],
        ]
        #expect(value == expected)
        #expect(try JSONDecoder().decode(JSONValue.self, from: Data("[]".utf8)) == .array([]))
        #expect(try JSONDecoder().decode(JSONValue.self, from: Data("{}".utf8)) == .object([:]))
    }
}

@Suite("RFC 3339 without a formatter per call")
struct RFC3339Tests {
    /// Foundation's formatter, the reference the hand-written code must agree with.
    func reference(_ options: ISO8601DateFormatter.Options, _ zone: TimeZone) -> ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = options
        formatter.timeZone = zone
        return formatter
    }

    @Test func formatAgreesWithFoundationAcrossYears() {
        let zone = TimeZone(identifier: "Asia/Ho_Chi_Minh")!
        let plain = reference([.withInternetDateTime], zone)
        let utc = reference([.withInternetDateTime, .withFractionalSeconds], TimeZone(identifier: "UTC")!)
        var random = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let instant = Date(timeIntervalSince1970: Double(Int64.random(in: 0...4_102_444_800_000, using: &random)) / 1000)
            #expect(RFC3339.format(instant, in: zone) == plain.string(from: instant))
            #expect(RFC3339.formatUTCMillis(instant) == utc.string(from: instant))
            #expect(RFC3339.parse(RFC3339.format(instant, in: zone)) == Date(timeIntervalSince1970: floor(instant.timeIntervalSince1970)))
        }
        #expect(RFC3339.format(Date(timeIntervalSince1970: -1), in: TimeZone(identifier: "UTC")!) == "1969-12-31T23:59:59+00:00")
        #expect(RFC3339.format(Date(timeIntervalSince1970: 1_772_593_200.9), in: zone) == "2026-03-04T10:00:00+07:00")
    }

    @Test func parseReadsOffsetsAndFractionsAndRefusesTheRest() {
        #expect(RFC3339.parse("2026-03-04T10:00:00+07:00") == Date(timeIntervalSince1970: 1_772_593_200))
        #expect(RFC3339.parse("2026-03-04T03:00:00Z") == Date(timeIntervalSince1970: 1_772_593_200))
        #expect(RFC3339.parse("2026-03-04t03:00:00z") == Date(timeIntervalSince1970: 1_772_593_200))
        #expect(RFC3339.parse("2026-03-03T22:30:00-04:30") == Date(timeIntervalSince1970: 1_772_593_200))
        #expect(RFC3339.parse("2026-03-04T03:00:00.250Z") == Date(timeIntervalSince1970: 1_772_593_200.25))
        for bad in ["2026-02-30T10:00:00+07:00", "2026-03-04T24:00:00+07:00", "2026-03-04T10:60:00+07:00", "2026-03-04T10:00:60Z",
                    "2026-03-04 10:00:00+07:00", "2026-03-04T10:00:00", "2026-03-04T10:00:00+0700", "2026-03-04T10:00:00.Z",
                    "2026-03-04T10:00:00+07:00x", "26-03-04T10:00:00+07:00", "2026-3-4T10:00:00+07:00", "", "2026-03-04"] {
            #expect(RFC3339.parse(bad) == nil, "\(bad)")
        }
    }
}

@Suite("Canonical JSON without JSONEncoder")
struct CanonicalJSONTests {
    /// The hash chain and idempotency hashes stored by earlier versions were computed with JSONEncoder: the fast
    /// writer must give the very same bytes.
    @Test func sameBytesAsJSONEncoderOnRandomDocuments() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let keys = ["a10", "a9", "B", "a", "_x", "Z", "é", "e", "A1", "a-b", "a_b", "aB", "10", "9", "", "ả", "a\u{1}", "child", "fullName"]
        let strings = ["", "Nguyễn Thị Ánh", "x\u{0}\u{1}\u{8}\u{9}\u{a}\u{c}\u{d}\u{1f}\u{7f}\"\\/", "\u{2028}😀", "12 ngõ 5/7", "Lyon, France"]
        let numbers: [Double] = [0, 1, -1, 2.5, 1e-7, 1e21, 0.1, 123456789.125, -0.0, 1e15, 999_999_999_999_999, 4.35]
        for document in RandomDocuments.make(500, seed: 7, keys: keys, strings: strings, numbers: numbers) {
            #expect(document.canonicalText == String(decoding: try encoder.encode(document), as: UTF8.self))
        }
    }

    /// Numbers of every shape (any bit pattern, instants in milliseconds with fractions, huge and tiny) as JSONEncoder
    /// writes them.
    @Test func sameNumbersAsJSONEncoder() throws {
        var random = SplitMix(seed: 16)
        var numbers: [Double] = [1e-7, 1e21, 1e15, 1e16, -1e15, 0.1, 1.5, -0.5, 1e100, 2.5e-5, .leastNonzeroMagnitude, .greatestFiniteMagnitude,
                                 1_764_000_000_123.456, 12_345_678_901_234_567_890]
        for n in 0..<20_000 {
            switch n % 3 {
            case 0: numbers.append(Double(bitPattern: random.next()))
            case 1: numbers.append(1.7e12 + Double(random.next() % 100_000_000_000) + Double(random.next() % 1000) / 1000)
            default: numbers.append(Double(Int64(bitPattern: random.next()) % 1_000_000_000_000_000_000) / 1000)
            }
        }
        let encoder = JSONEncoder()
        for number in numbers where number.isFinite {
            let reference = String(decoding: try encoder.encode([number]).dropFirst().dropLast(), as: UTF8.self)
            #expect(JSONValue.number(number).canonicalText == reference)
        }
        #expect(JSONValue.number(.nan).canonicalText == "null")
    }

    /// A list of strings in its own order, escaped as every other string, and readable by SQLite's `json_each`.
    @Test func arrayOfStringsIsTheArrayValuesText() throws {
        for strings in [[], ["b", "a"], ["dlv_01", "x\u{0}\"\\/\n", "Nguyễn", ""]] as [[String]] {
            #expect(JSONValue.arrayText(of: strings) == JSONValue.array(strings.map(JSONValue.string)).canonicalText)
            #expect(try JSONDecoder().decode([String].self, from: Data(JSONValue.arrayText(of: strings).utf8)) == strings)
        }
    }
}

@Suite("Field checks without regex literals")
struct FieldCheckTests {
    /// The character checks accept exactly what the regular expressions they replaced accepted.
    @Test func sameAnswersAsTheRegexes() {
        let samples = ["", "+", "+84912345678", "+0912345678", "+8491234", "+849123", "+849123456789012", "+8491234567890123", "84912345678",
                       "+84 912345678", "a@b.c", "a@b", "@b.c", "a@.c", "a@b.", "a@@b.c", "a b@c.d", "binh@example.vn", "x@y.z.w",
                       "01-001", "-01", "0", "A-", "01_001", "0123456789012345678901", "Ab1-2-3", "19AB12345", "AB12", "ABCDE",
                       "ABCDEFGHIJKLMNOPQRSTU", "AB-123", "ÀB1234", "a@b.c\n", "1234567890abcdefghij"]
        for s in samples {
            #expect(FieldFormat.isPhone(s) == (s.wholeMatch(of: #/\+[1-9][0-9]{6,14}/#) != nil), "\(s)")
            #expect(FieldFormat.isEmail(s) == (s.count <= 254 && s.wholeMatch(of: #/[^@\s]+@[^@\s]+\.[^@\s]+/#) != nil), "\(s)")
            #expect(FieldFormat.isFacilityCode(s) == (s.wholeMatch(of: #/[0-9A-Za-z][0-9A-Za-z\-]{0,19}/#) != nil), "\(s)")
            #expect(FieldFormat.isPassport(s) == (s.wholeMatch(of: #/[A-Za-z0-9]{5,20}/#) != nil), "\(s)")
        }
    }

    /// Trimming gives what Foundation's `trimmingCharacters(in: .whitespaces)` gives: tabs and every space separator,
    /// not line breaks, and a combining mark after a space kept.
    @Test func trimsAsFoundationDoes() {
        let samples = ["", " ", "\t", "  An  ", "\u{00A0}Bình\u{3000}", "\u{2003}x\u{200A}", "\nAn\n", " \u{301}a ", "a b",
                       "\u{200B}x", "Nguyễn Thị An", "\t\t \u{1680}"]
        for s in samples {
            #expect(FieldFormat.trimmed(s) == s.trimmingCharacters(in: .whitespaces), "\(s.unicodeScalars.map { $0.value })")
            #expect(FieldFormat.trimmed(s).unicodeScalars.elementsEqual(s.trimmingCharacters(in: .whitespaces).unicodeScalars))
        }
    }
}

/// Random JSON documents of the given keys, strings and numbers, up to five levels deep.
enum RandomDocuments {
    static func make(_ count: Int, seed: UInt64, keys: [String], strings: [String], numbers: [Double]) -> [JSONValue] {
        var random = SplitMix(seed: seed)
        func value(_ depth: Int) -> JSONValue {
            switch random.next() % (depth > 3 ? 4 : 6) {
            case 0: return .null
            case 1: return .bool(random.next() % 2 == 0)
            case 2: return .number(numbers[Int(random.next() % UInt64(numbers.count))])
            case 3: return .string(strings[Int(random.next() % UInt64(strings.count))])
            case 4: return .array((0..<Int(random.next() % 4)).map { _ in value(depth + 1) })
            default:
                var members: [String: JSONValue] = [:]
                for _ in 0..<Int(random.next() % 7) { members[keys[Int(random.next() % UInt64(keys.count))]] = value(depth + 1) }
                return .object(members)
            }
        }
        return (0..<count).map { _ in value(0) }
    }
}

@Suite("JSON parser without JSONDecoder")
struct JSONParserTests {
    func parse(_ text: String) throws(JSONParser.Failure) -> JSONValue { try JSONParser.parse(Data(text.utf8)) }

    /// The request bodies' parser reads what JSONDecoder read, with the same NFC normalisation after it.
    @Test func sameValuesAsJSONDecoderOnRandomDocuments() throws {
        let keys = ["a", "B", "é", "e\u{301}x", "child", "fullName", "10", "", "a b"]
        let strings = ["", "Nguyễn Thị Ánh", "Nguye\u{302}\u{303}n", "x\u{0}\u{1}\u{1f}\"\\/\n\t", "\u{2028}😀", "12 ngõ 5/7"]
        let numbers: [Double] = [0, 1, -1, 2.5, 1e-7, 1e21, 0.1, 123456789.125, 1e15, 4.35, 3600000]
        for document in RandomDocuments.make(500, seed: 11, keys: keys, strings: strings, numbers: numbers) {
            let text = document.canonicalText
            let reference = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)).normalizedNFC()
            #expect(try parse(text) == reference, "\(text)")
        }
    }

    @Test func readsEscapesSurrogatesWhitespaceAndNumbers() throws {
        #expect(try parse(" {\"a\" : [1, -0.5e3, 2E+2, true, false, null, \"x\\u00e9\\ud83d\\ude00\\n\\/\"]}\r\n")
                == ["a": [1, -500, 200, true, false, .null, "xé😀\n/"]])
        // Composed on the way in: keys and values in NFC.
        #expect(try parse("{\"e\u{301}\":\"Nguye\u{302}\u{303}n\"}") == ["é": "Nguyễn"])
        #expect(try parse("0") == 0 && (try parse("-0")) == 0 && (try parse("\"\"")) == "")
    }

    @Test(arguments: ["", " ", "{", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "-", "+1", "1e", "tru", "nul", "[1 2]", "{\"a\" 1}",
                      "{a:1}", "\"abc", "\"a\u{1}b\"", "\"\\ud800\"", "\"\\udc00x\"", "\"\\x\"", "\"\\u12\"", "1e400", "[1]x",
                      "{\"a\":1,\"a\":2}", "{\"é\":1,\"e\u{301}\":2}", "'a'", "NaN"])
    func refuses(_ text: String) {
        #expect(throws: JSONParser.Failure.self) { try parse(text) }
    }

    @Test func refusesInvalidUTF8AndDeepNesting() {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(Data([0x22, 0xFF, 0x22])) }
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(Data([0x22, 0xC3, 0x22])) }
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(throws: JSONParser.Failure.self) { try parse(deep) }
        let fine = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect((try? parse(fine)) != nil)
    }
}

@Suite("Encoding without JSONEncoder")
struct JSONValueEncoderTests {
    func reference(_ value: some Encodable, millis: Bool) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        if millis { encoder.dateEncodingStrategy = .millisecondsSince1970 }
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Stored dossiers, their tasks with histories and results, and the actors hashed in every event: the very bytes
    /// JSONEncoder wrote, with both date strategies.
    @Test func sameBytesAsJSONEncoderOnTheStoredTypes() throws {
        let now = Fixtures.at("2026-03-04T10:00:00+07:00")
        let workflow = Fixtures.workflow()
        let submission = try workflow.validator.validate(Fixtures.birthDossier(receivedAt: now), now: now, defaultReceivedAt: now).get()
        var d = try workflow.intake(submission, ids: NewDossierIDs(dossierId: "hs_1", trackingCode: "LT-1", taskIds: ["t1", "t2", "t3"]),
                                    actor: Fixtures.wardOfficer, now: now).dossier
        d.tasks[0].result = ["personalId": "001326000123", "birthCertificateNo": "12/2026"]
        d.tasks[0].history.append(TaskHistoryEntry(at: now.addingTimeInterval(0.125), type: "rejected", status: .rejected, data: ["reason": "sai/đúng"]))
        d.tasks[0].completedAt = now.addingTimeInterval(3600.5)
        let keyed: [String: [Int]] = ["zeta": [1], "alpha": [2, 3], "Đà Nẵng": [], "a/b": [4], "Z": [5], "ab": [6]]
        for value in [d as any Encodable, d.tasks[0], d.tasks[1], Fixtures.wardOfficer, Fixtures.justice, Actor(role: .supervisor), keyed] {
            for millis in [false, true] {
                let encoder = JSONValueEncoder(dates: millis ? .millisecondsSince1970 : .deferred)
                let ours = try encoder.encode(value).canonicalText
                #expect(ours == (try reference(value, millis: millis)))
                #expect(try encoder.canonicalText(value) == ours)
            }
        }
        // One member's text as it stands in the whole: the dossier's data (kept as text by the SQLite writer), any
        // member of an object; nil for a missing member or a value that is no object.
        let dossier = try JSONValueEncoder(dates: .millisecondsSince1970).canonicalText(d, member: "data")
        #expect(dossier.text == (try reference(d, millis: true)) && dossier.member == d.data.canonicalText)
        #expect(dossier.text.contains("\"data\":" + d.data.canonicalText + ","))
        for key in keyed.keys {
            #expect(try JSONValueEncoder().canonicalText(keyed, member: key) == (try reference(keyed, millis: false), try reference(keyed[key], millis: false)))
        }
        #expect(try JSONValueEncoder().canonicalText(keyed, member: "none") == (try reference(keyed, millis: false), nil))
        #expect(try JSONValueEncoder().canonicalText(["a", "b"], member: "a") == ("[\"a\",\"b\"]", nil))
        // The actor's own canonical text (hashed in every event) is those same bytes, whichever members it has.
        for actor in [Fixtures.wardOfficer, Fixtures.justice, Actor(role: .supervisor), Actor(role: .portal, ward: "a\"/b", agency: "Đà")] {
            #expect(actor.canonicalJSON == (try reference(actor, millis: false)))
        }
        // And what the stores write reads back as it was, with JSONValueDecoder as with JSONDecoder (older documents
        // escaped "/" as "\/": read the same).
        #expect(try Codec.decode(Dossier.self, Codec.encode(d)) == d)
        let old = try reference(d, millis: true).replacingOccurrences(of: "/", with: "\\/")
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        #expect(try Codec.decode(Dossier.self, old) == decoder.decode(Dossier.self, from: Data(old.utf8)))
        #expect(try Codec.decode(Dossier.self, old) == d)
        for task in d.tasks { #expect(try Codec.decode(AgencyTask.self, Codec.encode(task)) == task) }
        #expect(throws: DecodingError.self) { try Codec.decode(Dossier.self, "{\"id\":1}") }
        #expect(throws: DecodingError.self) { try Codec.decode(Dossier.self, "{") }
        #expect(EventChain.canonicalJSON(Fixtures.justice) == (try reference(Fixtures.justice, millis: false)))
    }
}
