import Foundation
import LienThongCore
import Testing

@Suite("Encodings on the hot path")
struct EncodingTests {
    @Test func hexMatchesTheFormatterForEveryByte() {
        let bytes = (0...255).map(UInt8.init)
        #expect(Hex.string(bytes) == bytes.map { String(format: "%02x", $0) }.joined())
        #expect(Hex.string([UInt8]()) == "")
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
