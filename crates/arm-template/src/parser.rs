//! Recursive-descent parser: expression text → [`Expression`].
//!
//! ```text
//! expression := primary accessor*
//! primary    := STRING | INTEGER | IDENT '(' [expression (',' expression)*] ')' | 'true' | 'false' | 'null'
//! accessor   := '.' IDENT | '[' expression ']'
//! ```

use crate::ast::{Expression, ExpressionKind, Span};
use crate::error::ParseError;
use crate::lexer::{Lexer, unquote};
use crate::token::{Token, TokenKind};

/// How deeply calls/accessors may nest before the parser gives up (protects the stack).
const MAX_DEPTH: usize = 256;

/// Parse one expression. `text` may include the outer `[` `]` or not.
///
/// The returned AST's spans index into the text without its surrounding brackets.
pub fn parse_expression(text: &str) -> Result<Expression, ParseError> {
    let (inner, offset) = strip_brackets(text);
    let column_base = text[..offset].chars().count();
    let tokens = Lexer::new(inner, column_base).tokenize()?;
    let mut parser = Parser {
        src: inner,
        tokens,
        pos: 0,
        column_base,
        depth: 0,
    };
    let expression = parser.expression()?;
    let next = parser.peek();
    if next.kind != TokenKind::Eof {
        return Err(parser.error_at(
            next.start,
            format!("unexpected {} after the expression", next.kind.describe()),
        ));
    }
    Ok(expression)
}

/// The expression body of `text` and its byte offset: `[ x ]` → (` x `, 1); anything else unchanged.
pub(crate) fn strip_brackets(text: &str) -> (&str, usize) {
    if text.len() >= 2 && text.starts_with('[') && text.ends_with(']') {
        (&text[1..text.len() - 1], 1)
    } else {
        (text, 0)
    }
}

struct Parser<'src> {
    src: &'src str,
    tokens: Vec<Token>,
    pos: usize,
    column_base: usize,
    depth: usize,
}

impl<'src> Parser<'src> {
    fn peek(&self) -> Token {
        self.tokens[self.pos]
    }

    fn bump(&mut self) -> Token {
        let token = self.tokens[self.pos];
        if token.kind != TokenKind::Eof {
            self.pos += 1;
        }
        token
    }

    fn text(&self, token: Token) -> &'src str {
        &self.src[token.start..token.end]
    }

    fn error_at(&self, at: usize, message: impl Into<String>) -> ParseError {
        ParseError {
            column: self.column_base + self.src[..at].chars().count() + 1,
            message: message.into(),
        }
    }

    fn expect(&mut self, kind: TokenKind, context: &str) -> Result<Token, ParseError> {
        let token = self.peek();
        if token.kind == kind {
            Ok(self.bump())
        } else {
            Err(self.error_at(
                token.start,
                format!(
                    "expected {} {context}, found {}",
                    kind.describe(),
                    token.kind.describe()
                ),
            ))
        }
    }

    fn expression(&mut self) -> Result<Expression, ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error_at(self.peek().start, "expression nests too deeply"));
        }
        let mut expression = self.primary()?;
        loop {
            match self.peek().kind {
                TokenKind::Dot => {
                    self.bump();
                    let name = self.expect(TokenKind::Identifier, "after '.'")?;
                    let span = Span {
                        start: expression.span.start,
                        end: name.end,
                    };
                    expression = Expression {
                        kind: ExpressionKind::Property {
                            target: Box::new(expression),
                            name: self.text(name).to_owned(),
                        },
                        span,
                    };
                }
                TokenKind::BracketL => {
                    self.bump();
                    let index = self.expression()?;
                    let close = self.expect(TokenKind::BracketR, "to close the index")?;
                    let span = Span {
                        start: expression.span.start,
                        end: close.end,
                    };
                    expression = Expression {
                        kind: ExpressionKind::Index {
                            target: Box::new(expression),
                            index: Box::new(index),
                        },
                        span,
                    };
                }
                _ => break,
            }
        }
        self.depth -= 1;
        Ok(expression)
    }

    fn primary(&mut self) -> Result<Expression, ParseError> {
        let token = self.bump();
        let span = Span {
            start: token.start,
            end: token.end,
        };
        let kind = match token.kind {
            TokenKind::StringLiteral => ExpressionKind::String(unquote(self.text(token))),
            TokenKind::Integer => {
                let text = self.text(token);
                let value = text.parse::<i64>().map_err(|_| {
                    self.error_at(
                        token.start,
                        format!("integer literal {text} does not fit in 64 bits"),
                    )
                })?;
                ExpressionKind::Integer(value)
            }
            TokenKind::Identifier => {
                let name = self.text(token);
                if self.peek().kind != TokenKind::ParenL {
                    return match name.to_ascii_lowercase().as_str() {
                        "true" => Ok(Expression {
                            kind: ExpressionKind::Bool(true),
                            span,
                        }),
                        "false" => Ok(Expression {
                            kind: ExpressionKind::Bool(false),
                            span,
                        }),
                        "null" => Ok(Expression {
                            kind: ExpressionKind::Null,
                            span,
                        }),
                        _ => Err(self.error_at(
                            token.end,
                            format!("expected '(' after function name '{name}'"),
                        )),
                    };
                }
                self.bump();
                let mut args = Vec::new();
                if self.peek().kind == TokenKind::ParenR {
                    self.bump();
                } else {
                    loop {
                        args.push(self.expression()?);
                        let next = self.bump();
                        match next.kind {
                            TokenKind::Comma => continue,
                            TokenKind::ParenR => break,
                            other => {
                                return Err(self.error_at(
                                    next.start,
                                    format!("expected ',' or ')' in the arguments of '{name}', found {}", other.describe()),
                                ));
                            }
                        }
                    }
                }
                let end = self.tokens[self.pos - 1].end;
                return Ok(Expression {
                    kind: ExpressionKind::Call {
                        name: name.to_owned(),
                        name_lower: name.to_ascii_lowercase(),
                        args,
                    },
                    span: Span {
                        start: token.start,
                        end,
                    },
                });
            }
            other => {
                return Err(self.error_at(
                    token.start,
                    format!(
                        "expected a function call or a literal, found {}",
                        other.describe()
                    ),
                ));
            }
        };
        Ok(Expression { kind, span })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nested_calls_and_accessors() {
        let src = "[variables('cloudInitFiles').provisionSource]";
        let e = parse_expression(src).unwrap();
        match &e.kind {
            ExpressionKind::Property { target, name } => {
                assert_eq!(name, "provisionSource");
                assert!(
                    matches!(&target.kind, ExpressionKind::Call { name_lower, .. } if name_lower == "variables")
                );
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(
            e.text(strip_brackets(src).0),
            "variables('cloudInitFiles').provisionSource"
        );
    }

    #[test]
    fn parses_index_with_expression() {
        let e = parse_expression("split(variables('x'), '/')[variables('i')]").unwrap();
        assert!(matches!(e.kind, ExpressionKind::Index { .. }));
    }

    #[test]
    fn parses_literals() {
        assert_eq!(
            parse_expression("[ -5 ]").unwrap().kind,
            ExpressionKind::Integer(-5)
        );
        assert_eq!(
            parse_expression("[true]").unwrap().kind,
            ExpressionKind::Bool(true)
        );
        assert_eq!(
            parse_expression("['a''b']").unwrap().kind,
            ExpressionKind::String("a'b".into())
        );
    }

    #[test]
    fn reports_columns() {
        let err = parse_expression("[concat('a' 'b')]").unwrap_err();
        assert_eq!(err.column, 13, "{err}");
        let err = parse_expression("[concat('a',)]").unwrap_err();
        assert_eq!(err.column, 13, "{err}");
        let err = parse_expression("[foo]").unwrap_err();
        assert!(err.message.contains("'('"), "{err}");
        let err = parse_expression("[a() b()]").unwrap_err();
        assert_eq!(err.column, 6);
    }

    #[test]
    fn rejects_deep_nesting_without_overflowing() {
        let text = format!("[{}1{}]", "a(".repeat(10_000), ")".repeat(10_000));
        assert!(parse_expression(&text).is_err());
    }
}
