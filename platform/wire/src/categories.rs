//! The hall's window categories (综合窗口).

/// The eight comprehensive window categories (综合窗口) of the service hall, with the letter that prefixes their
/// queue numbers.
pub const WINDOW_CATEGORIES: [(&str, char, &str, &str); 8] = [
    ("economy", 'A', "经济发展类", "Economic development"),
    ("social", 'B', "社会事务类", "Social affairs"),
    ("construction", 'C', "建设项目类", "Construction projects"),
    ("land", 'D', "土地规划类", "Land and planning"),
    ("police", 'E', "公安事务类", "Public security"),
    (
        "realestate",
        'F',
        "不动产登记类",
        "Real estate registration",
    ),
    ("tax", 'G', "企业纳税类", "Enterprise tax"),
    ("assist", 'H', "帮办服务类", "Assisted services"),
];

/// Is `code` one of [`WINDOW_CATEGORIES`]?
pub fn is_window_category(code: &str) -> bool {
    WINDOW_CATEGORIES.iter().any(|(c, ..)| *c == code)
}
