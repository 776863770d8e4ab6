//! The composing session as the on-screen keyboard uses it: typing, ranking, paging, picking, deleting.

use sanban_ime::{Composer, Dictionary, MatchKind, MAX_INPUT};

fn typed(letters: &str) -> Composer<'static> {
    let mut composer = Composer::new(Dictionary::embedded());
    for key in letters.chars() {
        assert!(composer.push(key), "{key} refused in {letters}");
    }
    composer
}

/// The texts of the first `count` candidates.
fn first(composer: &Composer<'_>, count: usize) -> Vec<&'static str> {
    composer
        .candidates(0, count)
        .candidates
        .iter()
        .map(|c| c.text)
        .collect()
}

fn position_of(composer: &Composer<'_>, text: &str) -> Option<usize> {
    let all = composer.candidates(0, composer.candidate_count());
    all.candidates.iter().position(|c| c.text == text)
}

// Ranking ----------------------------------------------------------------------------------------------------

#[test]
fn hannan_offers_the_halls_district_first() {
    let composer = typed("hannan");
    assert_eq!(first(&composer, 1), ["汉南"]);
    assert_eq!(
        composer.candidates(0, 1).candidates[0].kind,
        MatchKind::Exact
    );
}

#[test]
fn words_reading_the_whole_input_come_before_words_reading_a_part() {
    let composer = typed("hannanqu");
    assert_eq!(first(&composer, 3), ["汉南区", "汉南", "汉"]);
    let consumed: Vec<usize> = composer
        .candidates(0, 3)
        .candidates
        .iter()
        .map(|c| c.consumed)
        .collect();
    assert_eq!(consumed, [8, 6, 3]);
}

#[test]
fn exact_readings_rank_before_completions_and_abbreviations() {
    // "xian": 先/现/县 (xian) and 西安 (xi'an) are exact; 想 (xiang) only completes the input.
    let composer = typed("xian");
    let all = composer
        .candidates(0, composer.candidate_count())
        .candidates;
    let last_exact = all
        .iter()
        .rposition(|c| c.consumed == 4 && c.kind == MatchKind::Exact)
        .expect("exact");
    let first_completion = all
        .iter()
        .position(|c| c.consumed == 4 && c.kind == MatchKind::Completion)
        .expect("completion");
    assert!(last_exact < first_completion);
    assert!(all[..3].iter().any(|c| c.text == "先" || c.text == "现"));
    let xian = position_of(&composer, "西安").expect("西安");
    let xiang = position_of(&composer, "想").expect("想");
    assert!(xian < xiang && xian < 12, "西安 at {xian}, 想 at {xiang}");
}

#[test]
fn an_unfinished_last_syllable_completes_to_the_most_frequent_word() {
    assert_eq!(first(&typed("zhongg"), 1), ["中国"]);
    assert_eq!(
        typed("zhongg").candidates(0, 1).candidates[0].kind,
        MatchKind::Completion
    );
    assert_eq!(first(&typed("wome"), 1), ["我们"]);
}

#[test]
fn initials_alone_find_words() {
    let hn = typed("hn");
    assert_eq!(first(&hn, 1), ["汉南"]);
    assert_eq!(
        hn.candidates(0, 1).candidates[0].kind,
        MatchKind::Abbreviation
    );
    assert_eq!(first(&typed("zgrmyh"), 1), ["中国人民银行"]);
    assert_eq!(first(&typed("ylbx"), 1), ["医疗保险"]);
    assert_eq!(first(&typed("yilbx"), 1), ["医疗保险"]);
}

#[test]
fn a_single_letter_offers_the_most_frequent_characters_it_begins() {
    let composer = typed("s");
    assert_eq!(first(&composer, 1), ["是"]);
    assert!(composer.candidate_count() > 100);
}

#[test]
fn each_text_is_offered_once() {
    let composer = typed("xian");
    let all = composer
        .candidates(0, composer.candidate_count())
        .candidates;
    let mut texts: Vec<&str> = all.iter().map(|c| c.text).collect();
    texts.sort_unstable();
    let before = texts.len();
    texts.dedup();
    assert_eq!(texts.len(), before);
}

// Segmentation -------------------------------------------------------------------------------------------------

#[test]
fn ambiguous_letters_offer_every_reading() {
    let xian = typed("xian");
    assert!(position_of(&xian, "先").is_some() && position_of(&xian, "西安").is_some());
    assert_eq!(xian.preedit(), "xian");

    let fangan = typed("fangan");
    assert_eq!(first(&fangan, 2), ["方案", "反感"]);
    assert_eq!(fangan.preedit(), "fang'an");
}

#[test]
fn the_preedit_follows_the_reading_of_the_first_candidate() {
    assert_eq!(typed("hannanqu").preedit(), "han'nan'qu");
    assert_eq!(typed("zhongg").preedit(), "zhong'g");
    assert_eq!(typed("hn").preedit(), "h'n");
    assert_eq!(
        typed("zhonghuarenmingongheguo").preedit(),
        "zhong'hua'ren'min'gong'he'guo"
    );
}

#[test]
fn a_typed_separator_forces_the_split() {
    let composer = typed("xi'an");
    assert_eq!(first(&composer, 1), ["西安"]);
    assert_eq!(composer.preedit(), "xi'an");
    assert_eq!(
        position_of(&composer, "先"),
        None,
        "xian across the separator"
    );
}

#[test]
fn ue_and_ve_are_the_same_syllable() {
    assert_eq!(first(&typed("lue"), 1), first(&typed("lve"), 1));
    assert_eq!(first(&typed("nv"), 1), ["女"]);
}

#[test]
fn letters_that_begin_no_syllable_offer_the_words_before_them() {
    let composer = typed("hannanv");
    assert_eq!(first(&composer, 1), ["汉南"]);
    assert_eq!(composer.preedit(), "han'nan'v");
    assert_eq!(typed("iii").candidate_count(), 0);
}

// Paging -------------------------------------------------------------------------------------------------------

#[test]
fn pages_cover_the_ranked_list_in_order_without_overlap() {
    let composer = typed("shi");
    let per_page = 9;
    let all: Vec<&str> = composer
        .candidates(0, usize::MAX)
        .candidates
        .iter()
        .map(|c| c.text)
        .collect();
    assert_eq!(all.len(), composer.candidate_count());
    let mut paged = Vec::new();
    let mut page = 0;
    loop {
        let shown = composer.candidates(page, per_page);
        assert_eq!(shown.page, page);
        assert_eq!(shown.has_previous, page > 0);
        assert!(shown.candidates.len() <= per_page);
        for (offset, candidate) in shown.candidates.iter().enumerate() {
            assert_eq!(candidate.index, page * per_page + offset);
        }
        paged.extend(shown.candidates.iter().map(|c| c.text));
        if !shown.has_more {
            break;
        }
        assert_eq!(
            shown.candidates.len(),
            per_page,
            "only the last page may be short"
        );
        page += 1;
    }
    assert!(page > 2, "shi has many pages");
    assert_eq!(paged, all);
}

#[test]
fn a_page_past_the_end_is_empty_and_has_no_more() {
    let composer = typed("hannan");
    let beyond = composer.candidates(1000, 9);
    assert!(beyond.candidates.is_empty());
    assert!(!beyond.has_more);
    assert!(composer
        .candidates(usize::MAX, usize::MAX)
        .candidates
        .is_empty());
    assert!(composer.candidates(0, 0).candidates.is_empty());
    assert!(composer.candidates(0, 0).has_more);
}

#[test]
fn nothing_typed_has_no_candidates() {
    let composer = Composer::new(Dictionary::embedded());
    let page = composer.candidates(0, 9);
    assert!(page.candidates.is_empty() && !page.has_more && !page.has_previous);
    assert!(!composer.is_composing());
    assert_eq!(composer.preedit(), "");
}

// Picking ------------------------------------------------------------------------------------------------------

#[test]
fn picking_a_word_keeps_the_letters_it_did_not_read() {
    let mut composer = typed("hannanqu");
    let index = position_of(&composer, "汉南").expect("汉南 offered");
    assert_eq!(composer.pick(index), Some("汉南"));
    assert_eq!(composer.input(), "qu");
    assert!(composer.is_composing());
    assert_eq!(first(&composer, 1), ["去"]);
    assert_eq!(composer.pick(0), Some("去"));
    assert!(!composer.is_composing());
    assert_eq!(composer.candidate_count(), 0);
}

#[test]
fn picking_drops_the_separator_after_the_word() {
    let mut composer = typed("xi'an'shi");
    let index = position_of(&composer, "西安").expect("西安");
    assert_eq!(composer.pick(index), Some("西安"));
    assert_eq!(composer.input(), "shi");
}

#[test]
fn picking_a_candidate_that_does_not_exist_changes_nothing() {
    let mut composer = typed("hannan");
    let count = composer.candidate_count();
    assert_eq!(composer.pick(count), None);
    assert_eq!(composer.input(), "hannan");
    assert_eq!(composer.candidate_count(), count);
}

#[test]
fn enter_takes_the_letters_as_typed() {
    let mut composer = typed("Hannan");
    assert_eq!(composer.take_letters(), "hannan");
    assert!(!composer.is_composing());
    assert_eq!(composer.candidate_count(), 0);
}

// Deleting and refusing ----------------------------------------------------------------------------------------

#[test]
fn backspace_removes_the_last_letter_and_the_candidates_follow() {
    let mut composer = typed("hannanq");
    assert!(composer.backspace());
    assert_eq!(composer.input(), "hannan");
    assert_eq!(first(&composer, 1), ["汉南"]);
    for _ in 0..6 {
        assert!(composer.backspace());
    }
    assert!(!composer.is_composing());
    assert!(
        !composer.backspace(),
        "nothing left: the keyboard deletes from the field instead"
    );
}

#[test]
fn keys_that_are_not_pinyin_are_refused_without_change() {
    let mut composer = typed("ni");
    for key in ['1', ' ', '，', '中', '-', 'é'] {
        assert!(!composer.push(key), "{key}");
    }
    assert_eq!(composer.input(), "ni");
    let mut empty = Composer::new(Dictionary::embedded());
    assert!(!empty.push('\''), "a separator cannot start the input");
    assert!(
        empty.push('x') && empty.push('\'') && !empty.push('\''),
        "nor follow another"
    );
}

#[test]
fn input_beyond_the_limit_is_refused_not_truncated() {
    let mut composer = Composer::new(Dictionary::embedded());
    for _ in 0..MAX_INPUT {
        assert!(composer.push('a'));
    }
    assert!(!composer.push('a'));
    assert_eq!(composer.input().len(), MAX_INPUT);
    assert!(composer.backspace() && composer.push('a'));
}

#[test]
fn clear_abandons_the_input() {
    let mut composer = typed("zhongguo");
    composer.clear();
    assert!(!composer.is_composing());
    assert_eq!(composer.candidate_count(), 0);
    assert_eq!(composer.preedit(), "");
}

#[test]
fn debug_output_never_shows_what_is_typed_or_offered() {
    let composer = typed("zhangsan");
    let shown = format!("{composer:?} {:?}", composer.candidates(0, 5));
    assert!(
        !shown.contains("zhangsan") && !shown.contains("张三"),
        "{shown}"
    );
}
