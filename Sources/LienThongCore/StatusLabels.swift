import Foundation

/// The names of dossier, task, alert and delivery statuses for people (pages, alert texts), in Vietnamese and
/// English.
public enum StatusLabels {
    static let names: [String: LocalizedText] = [
        "waiting": .init(vi: "Chờ bước trước", en: "Waiting"), "pending": .init(vi: "Chờ chuyển", en: "Pending"),
        "delivered": .init(vi: "Đã chuyển", en: "Delivered"), "acknowledged": .init(vi: "Đã tiếp nhận", en: "Acknowledged"),
        "completed": .init(vi: "Hoàn thành", en: "Completed"), "awaiting-supplement": .init(vi: "Chờ bổ sung", en: "Awaiting supplement"),
        "rejected": .init(vi: "Bị từ chối", en: "Rejected"), "cancelled": .init(vi: "Đã hủy", en: "Cancelled"),
        "in-progress": .init(vi: "Đang giải quyết", en: "In progress"), "ready-to-return": .init(vi: "Chờ trả kết quả", en: "Ready to return"),
        "returned": .init(vi: "Đã trả kết quả", en: "Returned"), "action-required": .init(vi: "Cần phường xử lý", en: "Action required"),
        "withdrawn": .init(vi: "Đã rút", en: "Withdrawn"), "open": .init(vi: "Mới", en: "Open"),
        "submitted": .init(vi: "Chờ phường tiếp nhận", en: "Submitted online"), "refused": .init(vi: "Từ chối tiếp nhận", en: "Refused"),
        "resolved": .init(vi: "Đã xử lý", en: "Resolved"), "dead": .init(vi: "Thư chết", en: "Dead"),
    ]

    public static func text(_ status: String, english: Bool = false) -> String {
        names[status]?.text(english: english) ?? status
    }
}
