//! Hand-written lexer for the ARM expression language (the text between the outer `[` and `]`).

use crate::error::ParseError;
use crate::token::{Token, TokenKind};

/// Splits expression source into [`Token`]s. Positions are byte offsets into the source.
pub(crate) struct Lexer<'src> {
    src: &'src str,
    pos: usize,
    /// Added to every reported column (the column of `src`'s first character, minus one).
    column_base: usize,
}

impl<'src> Lexer<'src> {
    /// A lexer over `src`; `column_base` is the number of characters preceding `src` in the original text.
    pub(crate) fn new(src: &'src str, column_base: usize) -> Self {
        Lexer {
            src,
            pos: 0,
            column_base,
        }
    }

    /// Lex the whole input, ending with an [`TokenKind::Eof`] token.
    pub(crate) fn tokenize(mut self) -> Result<Vec<Token>, ParseError> {
        let mut tokens = Vec::new();
        loop {
            let token = self.next_token()?;
            tokens.push(token);
            if token.kind == TokenKind::Eof {
                return Ok(tokens);
            }
        }
    }

    fn error(&self, at: usize, message: impl Into<String>) -> ParseError {
        ParseError {
            column: self.column_base + self.src[..at].chars().count() + 1,
            message: message.into(),
        }
    }

    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn next_token(&mut self) -> Result<Token, ParseError> {
        while let Some(c) = self.peek() {
            if c.is_whitespace() {
                self.pos += c.len_utf8();
            } else {
                break;
            }
        }
        let start = self.pos;
        let Some(c) = self.peek() else {
            return Ok(Token {
                kind: TokenKind::Eof,
                start,
                end: start,
            });
        };
        let single = |kind| Token {
            kind,
            start,
            end: start + 1,
        };
        let token = match c {
            '(' => single(TokenKind::ParenL),
            ')' => single(TokenKind::ParenR),
            '[' => single(TokenKind::BracketL),
            ']' => single(TokenKind::BracketR),
            ',' => single(TokenKind::Comma),
            '.' => single(TokenKind::Dot),
            '\'' => return self.string_literal(start),
            '-' | '0'..='9' => return self.integer(start),
            c if is_identifier_start(c) => {
                let end = self.src[start..]
                    .char_indices()
                    .find(|&(_, c)| !is_identifier_continue(c))
                    .map_or(self.src.len(), |(i, _)| start + i);
                self.pos = end;
                return Ok(Token {
                    kind: TokenKind::Identifier,
                    start,
                    end,
                });
            }
            other => return Err(self.error(start, format!("unexpected character '{other}'"))),
        };
        self.pos = token.end;
        Ok(token)
    }

    fn string_literal(&mut self, start: usize) -> Result<Token, ParseError> {
        let bytes = self.src.as_bytes();
        let mut i = start + 1;
        loop {
            match bytes.get(i) {
                None => return Err(self.error(start, "unterminated string literal")),
                Some(b'\'') if bytes.get(i + 1) == Some(&b'\'') => i += 2,
                Some(b'\'') => {
                    self.pos = i + 1;
                    return Ok(Token {
                        kind: TokenKind::StringLiteral,
                        start,
                        end: i + 1,
                    });
                }
                Some(_) => i += 1,
            }
        }
    }

    fn integer(&mut self, start: usize) -> Result<Token, ParseError> {
        let bytes = self.src.as_bytes();
        let mut i = start;
        if bytes[i] == b'-' {
            i += 1;
        }
        let digits_start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i == digits_start {
            return Err(self.error(start, "expected digits after '-'"));
        }
        if i < bytes.len() && bytes[i] == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
            return Err(self.error(
                start,
                "floating-point literals are not supported; use json('…') or float('…')",
            ));
        }
        self.pos = i;
        Ok(Token {
            kind: TokenKind::Integer,
            start,
            end: i,
        })
    }
}

fn is_identifier_start(c: char) -> bool {
    c.is_alphabetic() || c == '_' || c == '$'
}

fn is_identifier_continue(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

/// Decode a string-literal token's text (with its quotes) into its value.
pub(crate) fn unquote(text: &str) -> String {
    text[1..text.len() - 1].replace("''", "'")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<TokenKind> {
        Lexer::new(src, 0)
            .tokenize()
            .unwrap()
            .into_iter()
            .map(|t| t.kind)
            .collect()
    }

    #[test]
    fn lexes_a_call_with_access() {
        use TokenKind::*;
        assert_eq!(
            kinds("concat('a''b', -12)[0].x"),
            vec![
                Identifier,
                ParenL,
                StringLiteral,
                Comma,
                Integer,
                ParenR,
                BracketL,
                Integer,
                BracketR,
                Dot,
                Identifier,
                Eof
            ]
        );
    }

    #[test]
    fn unquotes_doubled_quotes() {
        assert_eq!(unquote("'it''s'"), "it's");
    }

    #[test]
    fn reports_the_column_of_an_unterminated_string() {
        let err = Lexer::new("concat('abc", 1).tokenize().unwrap_err();
        assert_eq!(err.column, 9);
        assert!(err.message.contains("unterminated"));
    }

    #[test]
    fn rejects_a_lone_minus() {
        assert!(Lexer::new("-", 0).tokenize().is_err());
    }
}
