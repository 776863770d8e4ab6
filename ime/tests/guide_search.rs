//! The service guide's search on a small synthetic catalog.

use sanban_ime::{Dictionary, SearchIndex, SearchItem, Tier};

fn item(id: u32, name: &str, keywords: &[&str], extra: &str) -> SearchItem<u32> {
    SearchItem {
        id,
        name: name.to_string(),
        keywords: keywords.iter().map(|k| k.to_string()).collect(),
        extra: extra.to_string(),
    }
}

fn catalog() -> SearchIndex<u32> {
    SearchIndex::build(
        Dictionary::embedded(),
        [
            item(
                1,
                "城乡居民基本医疗保险参保登记",
                &["医保", "居民医保"],
                "区医疗保障局",
            ),
            item(
                2,
                "城乡居民基本养老保险参保登记",
                &["社保"],
                "区人力资源和社会保障局",
            ),
            item(3, "医疗保险", &[], "区医疗保障局"),
            item(4, "医疗保险关系转移", &["医保转移"], "区医疗保障局"),
            item(
                5,
                "企业设立登记",
                &["开公司", "营业执照"],
                "区行政审批局(市场主体登记窗口)",
            ),
            item(6, "企业变更登记", &[], "区行政审批局(市场主体登记窗口)"),
            item(7, "普通护照签发", &["出国"], "区公安分局出入境接待大厅"),
            item(8, "银行开户证明", &[], "区行政审批局"),
            item(9, "重大项目审批代办", &[], "区行政审批局项目代办中心"),
            item(
                10,
                "不动产登记资料查询",
                &["房产证"],
                "区不动产登记中心 提供身份证原件",
            ),
        ],
    )
}

/// (id, tier) of the results, best first.
fn search(index: &SearchIndex<u32>, query: &str) -> Vec<(u32, Tier)> {
    index
        .search(query, 100)
        .iter()
        .map(|hit| (*hit.id, hit.tier))
        .collect()
}

fn ids(index: &SearchIndex<u32>, query: &str) -> Vec<u32> {
    search(index, query).into_iter().map(|(id, _)| id).collect()
}

#[test]
fn initials_find_every_name_that_holds_them_best_match_first() {
    let index = catalog();
    assert_eq!(
        search(&index, "ylbx"),
        [
            (3, Tier::ExactName),
            (4, Tier::NameInitialsPrefix),
            (1, Tier::NameSubstring),
            // 养老保险 is y-l-b-x too.
            (2, Tier::NameSubstring),
        ]
    );
}

#[test]
fn full_pinyin_finds_names_across_syllable_boundaries() {
    let index = catalog();
    assert_eq!(
        search(&index, "yiliao"),
        [
            (3, Tier::NamePrefix),
            (4, Tier::NamePrefix),
            (1, Tier::NameSubstring)
        ]
    );
    assert_eq!(
        ids(&index, "liaobao"),
        [3, 4, 1],
        "a query may start at any syllable"
    );
    assert_eq!(ids(&index, "yiliaobaoxianguan"), [4], "and end inside one");
}

#[test]
fn the_whole_name_ranks_first_whatever_it_is_typed_as() {
    let index = catalog();
    for query in [
        "医疗保险",
        "yiliaobaoxian",
        "ylbx",
        "yilbx",
        "YLBX",
        "ｙｌｂｘ",
        "yi liao bao xian",
    ] {
        assert_eq!(
            search(&index, query).first(),
            Some(&(3, Tier::ExactName)),
            "{query}"
        );
    }
}

#[test]
fn chinese_finds_names_by_substring() {
    let index = catalog();
    assert_eq!(
        search(&index, "医疗")[..3],
        [
            (3, Tier::NamePrefix),
            (4, Tier::NamePrefix),
            (1, Tier::NameSubstring)
        ]
    );
    assert_eq!(
        ids(&index, "登记")[..4],
        [10, 5, 6, 1],
        "earlier in the name first, then catalog order"
    );
    assert_eq!(ids(&index, "护照"), [7]);
}

#[test]
fn the_scenario_query_finds_company_registration_first() {
    assert_eq!(
        search(&catalog(), "qysl").first(),
        Some(&(5, Tier::NameInitialsPrefix))
    );
}

#[test]
fn polyphones_in_names_are_searched_by_their_word_reading() {
    let index = catalog();
    assert_eq!(ids(&index, "yinhang"), [8]);
    assert_eq!(ids(&index, "zhongda"), [9]);
    assert_eq!(ids(&index, "chongda"), Vec::<u32>::new());
}

#[test]
fn a_keyword_match_ranks_after_every_name_match() {
    let index = catalog();
    assert_eq!(
        search(&index, "yibao"),
        [(1, Tier::Keyword), (4, Tier::Keyword)]
    );
    assert_eq!(search(&index, "kgs"), [(5, Tier::Keyword)]);
    assert_eq!(search(&index, "房产证"), [(10, Tier::Keyword)]);
    // 社保 is a keyword of 2; "sb" is also inside no name.
    assert_eq!(search(&index, "sb"), [(2, Tier::Keyword)]);
}

#[test]
fn other_text_matches_by_characters_or_full_pinyin_but_not_initials() {
    let index = catalog();
    assert_eq!(search(&index, "身份证"), [(10, Tier::Extra)]);
    assert_eq!(search(&index, "shenfenzheng"), [(10, Tier::Extra)]);
    assert_eq!(search(&index, "shenfenzh"), [(10, Tier::Extra)]);
    assert_eq!(search(&index, "sfz"), Vec::new());
}

#[test]
fn ties_keep_the_order_items_were_given_in() {
    let index = SearchIndex::build(
        Dictionary::embedded(),
        [
            item(30, "发票申领", &[], ""),
            item(10, "发票代开", &[], ""),
            item(20, "发票验旧", &[], ""),
        ],
    );
    assert_eq!(ids(&index, "fp"), [30, 10, 20]);
    let positions: Vec<usize> = index
        .search("fp", 10)
        .iter()
        .map(|hit| hit.position)
        .collect();
    assert_eq!(positions, [0, 1, 2]);
}

#[test]
fn the_limit_keeps_the_best_results() {
    let index = catalog();
    let all = ids(&index, "dj");
    assert!(all.len() > 2);
    let limited: Vec<u32> = index.search("dj", 2).iter().map(|hit| *hit.id).collect();
    assert_eq!(limited, all[..2]);
    assert!(index.search("dj", 0).is_empty());
}

#[test]
fn an_empty_or_unmatched_query_finds_nothing() {
    let index = catalog();
    for query in ["", "  ", "'", "，。", "xyzxyz", "iao", "鑫鑫"] {
        assert!(index.search(query, 10).is_empty(), "{query}");
    }
    assert_eq!(index.len(), 10);
    assert!(!index.is_empty());
}

#[test]
fn a_text_shared_by_several_items_matches_each_of_them() {
    let index = catalog();
    // 5 and 6 share their department text; 8 and 9 have other texts of the same department.
    assert_eq!(
        search(&index, "shichangzhuti"),
        [(5, Tier::Extra), (6, Tier::Extra)]
    );
    assert_eq!(ids(&index, "xingzhengshenpi"), [5, 6, 8, 9]);
}
