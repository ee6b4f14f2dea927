//! Tokens produced by the [`Lexer`](crate::lexer::Lexer).

/// What kind of token this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// A name: function, property or the literals `true`/`false`/`null`.
    Identifier,
    /// A single-quoted string literal, `''` escapes a quote.
    StringLiteral,
    /// A decimal integer, optionally negative.
    Integer,
    /// `(`
    ParenL,
    /// `)`
    ParenR,
    /// `[`
    BracketL,
    /// `]`
    BracketR,
    /// `,`
    Comma,
    /// `.`
    Dot,
    /// End of input.
    Eof,
}

impl TokenKind {
    /// How the token is named in parse errors.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            TokenKind::Identifier => "a name",
            TokenKind::StringLiteral => "a string literal",
            TokenKind::Integer => "an integer",
            TokenKind::ParenL => "'('",
            TokenKind::ParenR => "')'",
            TokenKind::BracketL => "'['",
            TokenKind::BracketR => "']'",
            TokenKind::Comma => "','",
            TokenKind::Dot => "'.'",
            TokenKind::Eof => "the end of the expression",
        }
    }
}

/// One token: its kind and byte range in the expression source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Token {
    /// The kind.
    pub kind: TokenKind,
    /// Byte offset of the first character.
    pub start: usize,
    /// Byte offset one past the last character.
    pub end: usize,
}
