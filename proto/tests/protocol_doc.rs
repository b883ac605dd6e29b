//! The protocol document embeds the frame layout; it must be the table the code defines.

#[test]
fn the_protocol_document_shows_the_layout_the_code_defines() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/protocol.md");
    let doc = std::fs::read_to_string(path).expect("docs/protocol.md exists");
    let begin = "<!-- wire-layout:begin -->\n";
    let end = "<!-- wire-layout:end -->";
    let start = doc.find(begin).expect("begin marker") + begin.len();
    let stop = doc[start..].find(end).expect("end marker") + start;
    assert_eq!(
        &doc[start..stop],
        exo_proto::wire::layout_markdown(),
        "docs/protocol.md is out of date: paste the output of `exo wire` between the markers"
    );
}
