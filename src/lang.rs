//! The citizen's language. Chinese is the source language of every string; English is bundled as a translation.

/// UI and receipt language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// The code the Slint adapter uses ("zh", "en").
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        match code {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// Pick the Chinese or the English text.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

/// A window category's display name in `lang`.
pub fn category_name(code: &str, lang: Lang) -> &'static str {
    sanban_wire::WINDOW_CATEGORIES
        .iter()
        .find(|(c, ..)| *c == code)
        .map(|(_, _, zh, en)| lang.pick(zh, en))
        .unwrap_or("?")
}
