//! Tests of the entry scanner and of reading a list from a response body.

use super::*;

#[test]
fn named_members_of_an_envelope() {
    let body = b"\xEF\xBB\xBF {\"next\": null, \"data\": [1, 2], \"data\": 3, \"x\": {}} ";
    let [data, next, absent] = named_members(body, ["data", "next", "absent"]).unwrap();
    assert_eq!(data, Some(&b"[1, 2]"[..]));
    assert_eq!(next, Some(&b"null"[..]));
    assert_eq!(absent, None);
    assert_eq!(named_members(b" ", ["data"]), Err(NotAnObject::Empty));
    let error = named_members(b"[]", ["data"]).unwrap_err();
    assert_eq!(error.to_string(), "the response is a list, not an object");
    let error = named_members(b"<html>", ["data"]).unwrap_err();
    assert_eq!(error.to_string(), "the response is not JSON, not an object");
    let error = named_members(br#"{"data": 1 "next": 2}"#, ["next"]).unwrap_err();
    assert!(matches!(error, NotAnObject::InvalidJson(_)), "{error}");
}

fn entries(body: &str) -> Result<Vec<&str>, Broken> {
    let list = list(body.as_bytes()).expect("a list");
    list.map(|entry| entry.map(|e| std::str::from_utf8(e).unwrap()))
        .collect()
}

fn pairs(object: &str) -> Result<Vec<(&str, &str)>, Broken> {
    members(object.as_bytes())
        .expect("an object")
        .map(|m| {
            m.map(|m| {
                (
                    std::str::from_utf8(m.raw_key).unwrap(),
                    std::str::from_utf8(m.value).unwrap(),
                )
            })
        })
        .collect()
}

#[test]
fn an_empty_list_has_no_entries() {
    assert_eq!(entries("[]"), Ok(vec![]));
    assert_eq!(entries(" [ \n\t ] \r\n"), Ok(vec![]));
}

#[test]
fn entries_are_split_at_top_level_commas_only() {
    assert_eq!(
        entries(r#"[1, "a,b", {"x": [1, 2], "y": {"z": ","}}, [[], [[3]]], null, true]"#),
        Ok(vec![
            "1",
            r#""a,b""#,
            r#"{"x": [1, 2], "y": {"z": ","}}"#,
            "[[], [[3]]]",
            "null",
            "true"
        ])
    );
}

#[test]
fn strings_with_escaped_quotes_and_brackets_do_not_end_an_entry() {
    assert_eq!(
        entries(r#"[{"name": "a \"quoted\" ] } [ {, name\\"}, "\\", "\"]"]"#),
        Ok(vec![
            r#"{"name": "a \"quoted\" ] } [ {, name\\"}"#,
            r#""\\""#,
            r#""\"]""#
        ])
    );
}

#[test]
fn whitespace_around_entries_is_not_part_of_them() {
    assert_eq!(
        entries("\n[\n  {\"a\" : 1}\t,\r\n  2  \n]\n"),
        Ok(vec!["{\"a\" : 1}", "2"])
    );
}

#[test]
fn a_byte_order_mark_before_the_list_is_skipped() {
    let body = b"\xef\xbb\xbf [1]";
    let found: Vec<_> = list(body).unwrap().collect();
    assert_eq!(found, [Ok(&b"1"[..])]);
    assert_eq!(without_bom(body), b" [1]");
    assert!(list(b"\xef\xbb\xbf").is_none());
}

#[test]
fn what_does_not_start_with_a_bracket_is_not_a_list() {
    for body in ["", "  ", "{\"a\": 1}", "\"[\"", "null", "x[1]"] {
        assert!(list(body.as_bytes()).is_none(), "{body:?}");
    }
}

#[test]
fn a_cut_short_body_is_broken() {
    for body in [
        "[",
        "[1",
        "[1,",
        r#"[{"a": [1, 2"#,
        r#"[{"a": "b"#,
        r#"["\"#,
    ] {
        let found = entries(body);
        let broken = found.unwrap_err();
        assert_eq!(broken.at, body.len(), "{body:?}");
        assert!(broken.problem.contains("text ends"), "{body:?}: {broken}");
    }
}

#[test]
fn garbage_between_entries_is_broken() {
    for (body, at) in [
        (r#"[{"a": 1} {"b": 2}]"#, 10),
        (r#"[{"a": 1}x]"#, 9),
        ("[1 2]", 3),
        ("[1,,2]", 3),
        ("[1,]", 3),
        ("[,1]", 1),
        ("[1] 2", 4),
        ("[\u{ff}]", 1),
    ] {
        let broken = entries(body).unwrap_err();
        assert_eq!(broken.at, at, "{body:?}: {broken}");
    }
}

#[test]
fn an_entry_broken_inside_its_brackets_is_still_one_entry() {
    assert_eq!(
        entries(r#"[{"id" 5}, {"a": 1]]"#),
        Ok(vec![r#"{"id" 5}"#, r#"{"a": 1]"#])
    );
    assert_eq!(
        entries("[nul, 1e309, --1]"),
        Ok(vec!["nul", "1e309", "--1"])
    );
}

#[test]
fn a_deep_entry_needs_no_recursion() {
    let deep = format!("[{}{}, 1]", "[".repeat(1_000_000), "]".repeat(1_000_000));
    let found = entries(&deep).unwrap();
    assert_eq!(found.len(), 2);
    assert_eq!(found[1], "1");
}

#[test]
fn invalid_utf8_inside_a_string_is_skipped_like_any_byte() {
    let body = b"[\"\xff\xfe\", {\"name\": \"\xc3\"}, 2]";
    let found: Vec<_> = list(body).unwrap().collect::<Result<_, _>>().unwrap();
    assert_eq!(found.len(), 3);
    assert_eq!(found[2], b"2");
}

/// Reads a body with `next_entry`: each entry, and its members' keys and values as text.
type Read<'a> = (&'a str, Option<Result<Vec<(&'a str, &'a str)>, Broken>>);

fn entries_with_members(body: &str) -> Result<Vec<Read<'_>>, Broken> {
    let text = |bytes| std::str::from_utf8(bytes).unwrap();
    let mut list = list(body.as_bytes()).expect("a list");
    let mut read = Vec::new();
    while let Some(entry) = list.next_entry() {
        let entry = entry?;
        let members = entry.members.map(|members| {
            members.map(|members| {
                members
                    .iter()
                    .map(|m| (text(m.raw_key), text(m.value)))
                    .collect()
            })
        });
        read.push((text(entry.raw), members));
    }
    Ok(read)
}

#[test]
fn next_entry_reads_an_objects_members_with_it() {
    let read = entries_with_members(
        r#"[ {"id": "a", "x": [1, {"y": "]"}]} , 5, {"id" 5}, {"a": 1], {}, "s" ]"#,
    )
    .unwrap();
    assert_eq!(
        read,
        [
            (
                r#"{"id": "a", "x": [1, {"y": "]"}]}"#,
                Some(Ok(vec![
                    (r#""id""#, r#""a""#),
                    (r#""x""#, r#"[1, {"y": "]"}]"#)
                ]))
            ),
            ("5", None),
            (
                r#"{"id" 5}"#,
                Some(Err(Broken {
                    at: 6,
                    problem: "expected `:` after a key"
                }))
            ),
            (
                r#"{"a": 1]"#,
                Some(Err(Broken {
                    at: 7,
                    problem: "expected `,` or `}` after a member"
                }))
            ),
            ("{}", Some(Ok(vec![]))),
            (r#""s""#, None),
        ]
    );
}

#[test]
fn next_entry_finds_the_same_entries_and_breaks_as_the_iterator() {
    for body in [
        "[]",
        r#"[{"a": 1}, [2], "3", {"b": {"c": [}]}}, {"d" 1}, x]"#,
        r#"[{"a": 1} {"b": 2}]"#,
        r#"[{"a": 1}, {"b": "#,
        r#"[{"a": [1, 2}"#,
        "[{}, {}] x",
        "[{},",
        "[{}, ",
        "[1,",
    ] {
        let by_iterator = entries(body);
        let by_next_entry = entries_with_members(body)
            .map(|read| read.into_iter().map(|(raw, _)| raw).collect::<Vec<_>>());
        assert_eq!(by_iterator, by_next_entry, "{body}");
    }
}

#[test]
fn members_are_split_into_keys_and_raw_values() {
    assert_eq!(
        pairs(r#"{ "id" : "a", "n\"x": [1, {"b": "}"}], "e": {} ,"z":-1.5e3 }"#),
        Ok(vec![
            (r#""id""#, r#""a""#),
            (r#""n\"x""#, r#"[1, {"b": "}"}]"#),
            (r#""e""#, "{}"),
            (r#""z""#, "-1.5e3"),
        ])
    );
    assert_eq!(pairs("{}"), Ok(vec![]));
    assert_eq!(pairs("{ \n }"), Ok(vec![]));
}

#[test]
fn an_object_broken_at_its_own_level_is_reported() {
    for object in [
        r#"{"id" 5}"#,
        r#"{"a": 1 "b": 2}"#,
        r#"{id: 1}"#,
        r#"{"a": 1,}"#,
        r#"{"a": 1]"#,
        r#"{"a": }"#,
        r#"{"a": 1} x"#,
        r#"{"a""#,
    ] {
        assert!(pairs(object).is_err(), "{object}");
    }
    assert!(members(b"[1]").is_none());
}

#[test]
fn keys_are_compared_after_decoding_escapes() {
    let found: Vec<_> = members(br#"{"id": 1, "\u0069d": 2, "i\"d": 3}"#)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let keys: Vec<_> = found.iter().map(Member::key).collect();
    assert_eq!(keys, [&b"id"[..], b"id", b"i\"d"]);
    let undecodable = members(br#"{"\ud800x": 1}"#)
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    assert_eq!(undecodable.key(), &br#""\ud800x""#[..]);
}

#[test]
fn kinds_are_named_by_their_first_byte() {
    let named: Vec<_> = ["{}", "[]", "\"\"", "true", "null", "-1", "x", ""]
        .iter()
        .map(|raw| kind(raw.as_bytes()))
        .collect();
    assert_eq!(
        named,
        [
            "an object",
            "a list",
            "text",
            "a boolean",
            "null",
            "a number",
            "not JSON",
            "not JSON"
        ]
    );
}

fn read_all(list: List<'_>) -> Result<usize, Broken> {
    list.map(|entry| entry.map(|_| ()))
        .collect::<Result<Vec<_>, _>>()
        .map(|v| v.len())
}

#[test]
fn read_list_reads_a_list_or_says_what_the_body_is_instead() {
    let read = |body: &[u8]| read_list(body, "a list of devices", read_all);
    assert_eq!(read(b"\xef\xbb\xbf [1, {\"a\": 2}]"), Ok(2));
    for (body, message) in [
        (&b" \n"[..], "the response is empty, not a list of devices"),
        (
            b"\xef\xbb\xbf {\"data\": []}",
            "the response is an object, not a list of devices",
        ),
        (b"null", "the response is null, not a list of devices"),
        (
            b"<html>",
            "the response is not valid JSON: expected value at line 1 column 1",
        ),
        (
            b"[1 2]",
            "the response is not valid JSON: expected `,` or `]` at line 1 column 4",
        ),
    ] {
        assert_eq!(read(body).unwrap_err().to_string(), message, "{body:?}");
    }
}

#[test]
fn read_list_gives_the_scanners_account_when_serde_json_finds_nothing_wrong() {
    let refuse = |_: List<'_>| -> Result<(), Broken> {
        Err(Broken {
            at: 3,
            problem: "something odd",
        })
    };
    assert_eq!(
        read_list(b"[1]", "a list", refuse),
        Err(NotAList::InvalidJson {
            detail: "something odd at byte 3".into()
        })
    );
}
