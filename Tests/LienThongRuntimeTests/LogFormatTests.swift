import Foundation
import LienThongRuntime
import Testing

@Suite("Structured logs")
struct LogFormatTests {
    @Test func logfmtQuotesOnlyWhatNeedsIt() {
        let line = StructuredLogHandler.render([("msg", "request"), ("http.path", "/v1/dossiers"), ("note", "hồ sơ \"mới\" a=b")], .logfmt)
        #expect(line == #"msg=request http.path=/v1/dossiers note="hồ sơ \"mới\" a=b""#)
    }

    @Test func jsonIsOneObjectPerLine() throws {
        let line = StructuredLogHandler.render([("msg", "request"), ("dossier.id", "hs_1")], .json)
        #expect(!line.contains("\n"))
        let object = try JSONDecoder().decode([String: String].self, from: Data(line.utf8))
        #expect(object == ["msg": "request", "dossier.id": "hs_1"])
    }
}
