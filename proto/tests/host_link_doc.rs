//! docs/host_link.md embeds the host link's tables; they must be the ones the code defines.

#[test]
fn the_host_link_document_shows_the_tables_the_code_defines() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/host_link.md");
    let doc = std::fs::read_to_string(path).expect("docs/host_link.md exists");
    let begin = "<!-- host-link:begin -->\n";
    let end = "<!-- host-link:end -->";
    let start = doc.find(begin).expect("begin marker") + begin.len();
    let stop = doc[start..].find(end).expect("end marker") + start;
    assert_eq!(
        &doc[start..stop],
        exo_proto::host_link::layout_markdown(),
        "docs/host_link.md is out of date: paste the output of `exo wire --host-link` between the markers"
    );
}
