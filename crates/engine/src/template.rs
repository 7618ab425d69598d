//! Chat templates: the model's own Jinja template rendered with minijinja
//! (ChatML when the model has none), then tokenized so that message text is
//! never parsed for special tokens.
//!
//! Rendering puts a private-use sentinel where each message's content goes;
//! the rendered string is then cut at the sentinels, the template's own text
//! encoded with special tokens and each message with special tokens as plain
//! text. An episode that says `<|im_end|>` cannot close its own turn.

use minijinja::{context, Environment, ErrorKind};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::tokenizer::TextTokenizer;

/// ChatML, which Qwen models and many fine-tunes understand.
pub const CHATML: &str = "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

const OPEN: char = '\u{E000}';
const CLOSE: char = '\u{E001}';

/// Who says a message. The three roles every chat template knows; a
/// string would let a typo ("sistema") through to a template that then
/// silently drops the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Rules.
    System,
    /// The person asking.
    User,
    /// The model's own turn.
    Assistant,
}

impl Role {
    /// The name templates test `message['role']` against.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

/// One message of a chat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChatMessage {
    /// Who says it.
    pub role: Role,
    /// What it says.
    pub content: String,
}

impl ChatMessage {
    /// A message of `role` with `content`.
    pub fn new(role: Role, content: &str) -> ChatMessage {
        ChatMessage {
            role,
            content: content.to_string(),
        }
    }
}

/// A model's chat template (Jinja, as Hugging Face writes them), or ChatML when
/// the model carries none.
#[derive(Debug, Clone)]
pub struct ChatTemplate {
    source: String,
    bos_token: String,
    eos_token: String,
    /// False when the model carried no template and ChatML stands in.
    pub from_model: bool,
}

impl ChatTemplate {
    /// The template of `source`, ChatML when `None`.
    pub fn new(source: Option<&str>, bos_token: &str, eos_token: &str) -> ChatTemplate {
        ChatTemplate {
            source: source.unwrap_or(CHATML).to_string(),
            bos_token: bos_token.to_string(),
            eos_token: eos_token.to_string(),
            from_model: source.is_some(),
        }
    }

    /// The template from `tokenizer_config.json` (a string, or the list of
    /// named templates some models ship, of which "default" is taken).
    pub fn from_tokenizer_config(json: &str) -> Option<String> {
        let value: serde_json::Value = serde_json::from_str(json).ok()?;
        match value.get("chat_template")? {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Array(items) => items
                .iter()
                .find(|t| t.get("name").and_then(|n| n.as_str()) == Some("default"))
                .and_then(|t| t.get("template")?.as_str().map(str::to_string)),
            _ => None,
        }
    }

    /// The prompt as text, for display and debugging.
    pub fn render(&self, messages: &[ChatMessage]) -> Result<String> {
        let contents: Vec<String> = messages.iter().map(|m| m.content.clone()).collect();
        self.render_with(messages, &contents)
    }

    fn render_with(&self, messages: &[ChatMessage], contents: &[String]) -> Result<String> {
        let mut env = Environment::new();
        minijinja_contrib::add_to_environment(&mut env);
        env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
        env.add_function(
            "raise_exception",
            |msg: String| -> std::result::Result<String, minijinja::Error> {
                Err(minijinja::Error::new(ErrorKind::InvalidOperation, msg))
            },
        );
        env.add_template("chat", &self.source)
            .map_err(template_error)?;
        let template = env.get_template("chat").map_err(template_error)?;
        let messages: Vec<minijinja::Value> = messages
            .iter()
            .zip(contents)
            .map(|(m, content)| {
                minijinja::Value::from_pairs([
                    ("role", minijinja::Value::from(m.role.as_str())),
                    ("content", minijinja::Value::from(content.as_str())),
                ])
            })
            .collect();
        template
            .render(context! {
                messages => messages,
                add_generation_prompt => true,
                bos_token => self.bos_token.as_str(),
                eos_token => self.eos_token.as_str(),
                enable_thinking => false,
            })
            .map_err(template_error)
    }

    /// Token ids of the prompt, with message text encoded as plain text.
    pub fn encode(&self, tokenizer: &TextTokenizer, messages: &[ChatMessage]) -> Result<Vec<u32>> {
        let sentinels: Vec<String> = (0..messages.len())
            .map(|i| format!("{OPEN}{i}{CLOSE}"))
            .collect();
        let rendered = self.render_with(messages, &sentinels)?;
        let mut ids = Vec::new();
        let mut rest = rendered.as_str();
        while let Some(start) = rest.find(OPEN) {
            ids.extend(tokenizer.encode_markup(&rest[..start])?);
            let after = &rest[start + OPEN.len_utf8()..];
            let end = after.find(CLOSE).ok_or_else(|| Error::Template {
                reason: "la plantilla recorta el contenido de los mensajes".to_string(),
            })?;
            let index: usize = after[..end].parse().map_err(|_| Error::Template {
                reason: "la plantilla altera el contenido de los mensajes".to_string(),
            })?;
            let message = messages.get(index).ok_or_else(|| Error::Template {
                reason: "la plantilla altera el contenido de los mensajes".to_string(),
            })?;
            ids.extend(tokenizer.encode(&message.content)?);
            rest = &after[end + CLOSE.len_utf8()..];
        }
        ids.extend(tokenizer.encode_markup(rest)?);
        Ok(ids)
    }
}

fn template_error(err: minijinja::Error) -> Error {
    Error::Template {
        reason: err.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chatml_renders_each_message_and_opens_the_answer() {
        let t = ChatTemplate::new(None, "", "");
        let text = t
            .render(&[
                ChatMessage::new(Role::System, "S"),
                ChatMessage::new(Role::User, "U"),
            ])
            .unwrap();
        assert_eq!(
            text,
            "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\n"
        );
        assert!(!t.from_model);
    }

    #[test]
    fn python_string_methods_work_as_in_transformers() {
        let src = "{% for m in messages %}{{ m.content.strip().upper() }}{% if m.content.startswith(' a') %}!{% endif %}{% endfor %}";
        let t = ChatTemplate::new(Some(src), "", "");
        assert_eq!(
            t.render(&[ChatMessage::new(Role::User, " ab ")]).unwrap(),
            "AB!"
        );
    }

    #[test]
    fn raise_exception_becomes_a_template_error() {
        let t = ChatTemplate::new(Some("{{ raise_exception('solo user') }}"), "", "");
        let err = t.render(&[ChatMessage::new(Role::User, "x")]).unwrap_err();
        assert!(err.to_string().contains("solo user"), "{err}");
    }

    #[test]
    fn tokenizer_config_template_is_found_as_string_or_named_list() {
        assert_eq!(
            ChatTemplate::from_tokenizer_config(r#"{"chat_template":"X"}"#).as_deref(),
            Some("X")
        );
        assert_eq!(
            ChatTemplate::from_tokenizer_config(
                r#"{"chat_template":[{"name":"tool_use","template":"T"},{"name":"default","template":"D"}]}"#
            )
            .as_deref(),
            Some("D")
        );
        assert_eq!(ChatTemplate::from_tokenizer_config("{}"), None);
    }
}
