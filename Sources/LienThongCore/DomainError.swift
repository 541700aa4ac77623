/// Why a command was refused. HTTP maps each case to a problem+json response.
public enum DomainError: Error, Sendable, Hashable {
    /// The state does not allow this move (409 `illegal-transition`).
    case illegalTransition(String)
    /// The body broke a rule or had the wrong shape (422 / 400 `validation`).
    case validation(ValidationFailure)
    /// A conflict other than a transition: duplicate dossier, idempotency key reuse (409 with its own slug).
    case conflict(slug: String, detail: String, existingId: String? = nil)
    case notFound(String)
    case forbidden(String)
}

extension DomainError {
    public static func invalid(_ pointer: String, _ detail: String, kind: FieldProblem.Kind = .rule) -> DomainError {
        .validation(ValidationFailure(problems: [FieldProblem(pointer: pointer, detail: detail, kind: kind)]))
    }
}
