//! Search keys of Chinese text: initials and full pinyin, polyphones read as their word.

use sanban_ime::{Dictionary, Reading, SearchKeys};

fn keys(text: &str) -> (String, String) {
    let SearchKeys { initials, full } = Dictionary::embedded().search_keys(text);
    (initials, full)
}

fn pair(initials: &str, full: &str) -> (String, String) {
    (initials.to_string(), full.to_string())
}

#[test]
fn a_service_name_gives_its_initials_and_full_pinyin() {
    assert_eq!(keys("医疗保险"), pair("ylbx", "yiliaobaoxian"));
    assert_eq!(keys("企业设立登记"), pair("qysldj", "qiyeshelidengji"));
}

#[test]
fn a_polyphone_is_read_as_the_word_it_stands_in() {
    assert_eq!(keys("银行"), pair("yh", "yinhang"));
    assert_eq!(keys("重庆"), pair("cq", "chongqing"));
    assert_eq!(keys("行政许可"), pair("xzxk", "xingzhengxuke"));
    assert_eq!(
        keys("重大项目审批代办"),
        pair("zdxmspdb", "zhongdaxiangmushenpidaiban")
    );
    assert_eq!(keys("人参"), pair("rs", "renshen"));
    assert_eq!(keys("参保登记"), pair("cbdj", "canbaodengji"));
    assert_eq!(
        keys("中国人民银行行长"),
        pair("zgrmyhhz", "zhongguorenminyinhanghangzhang")
    );
}

#[test]
fn local_place_names_take_their_local_reading() {
    assert_eq!(keys("沌口街道"), pair("zkjd", "zhuankoujiedao"));
    assert_eq!(keys("汉南区"), pair("hnq", "hannanqu"));
}

#[test]
fn ascii_letters_and_digits_are_kept_lowercased_and_punctuation_dropped() {
    assert_eq!(keys("ICU病房2号"), pair("icubf2h", "icubingfang2hao"));
    assert_eq!(
        keys("住所使用相关文件(房屋租赁合同或产权证明)").0,
        "zssyxgwjfwzlhthcqzm"
    );
    assert_eq!(keys("“一件事” 帮办"), pair("yjsbb", "yijianshibangban"));
    assert_eq!(keys(""), pair("", ""));
    assert_eq!(keys("，。！ "), pair("", ""));
}

#[test]
fn rare_characters_are_read_too() {
    assert_eq!(keys("刘䶮"), pair("ly", "liuyan"));
    assert_eq!(keys("王堃"), pair("wk", "wangkun"));
    assert_eq!(keys("㐀"), pair("q", "qiu"));
}

#[test]
fn readings_keep_each_unit_with_its_text() {
    let readings = Dictionary::embedded().readings("5G银行");
    assert_eq!(
        readings,
        [
            Reading::Ascii("5G"),
            Reading::Han {
                text: "银",
                syllable: "yin"
            },
            Reading::Han {
                text: "行",
                syllable: "hang"
            },
        ]
    );
}
