//! From rust-hdl's output to a named Verilog product.
//!
//! rust-hdl always names the top module `top` and its submodules `top$<path>`, and writes
//! non-ANSI port lists whose names carry `$` for interface fields (`rx$data`). Two designs
//! emitted that way cannot share a Verilator build or a board top. [`rename_modules`] gives
//! every module a unique prefix, and [`wrapper`] writes an ANSI-port module with readable
//! names (`rx_data`) around the core, which is what users, cocotb and the co-simulation see.

use rust_hdl::prelude::*;
use std::fmt::Write;

/// Direction of a module port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Input,
    Output,
}

/// One port of a module, as declared in its Verilog.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Port {
    /// The readable name (`rx_data`) used by the wrapper.
    pub name: String,
    /// The name in rust-hdl's module (`rx$data`).
    #[serde(skip)]
    pub core_name: String,
    pub direction: Direction,
    pub width: usize,
}

/// rust-hdl's Verilog for a block, after connecting it.
pub fn generate<U: Block>(block: &mut U) -> String {
    block.connect_all();
    generate_verilog(block)
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$'
}

/// Renames `top` to `name` and every `top$path` module to `name__path`, so that several
/// emitted designs can be read by one tool. Only module names change: signals named like
/// modules do not occur because rust-hdl never names a signal `top`.
pub fn rename_modules(verilog: &str, name: &str) -> String {
    let bytes = verilog.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(verilog.len());
    let mut i = 0;
    while i < bytes.len() {
        let at_word = i == 0 || !is_ident_char(bytes[i - 1] as char);
        if at_word && bytes[i..].starts_with(b"top") {
            let next = bytes.get(i + 3).map(|&b| b as char);
            if next == Some('$') {
                out.extend_from_slice(name.as_bytes());
                out.extend_from_slice(b"__");
                i += 4;
                continue;
            }
            let before = String::from_utf8_lossy(&out[out.len().saturating_sub(24)..]);
            if !next.is_some_and(is_ident_char) && is_module_use(&before) {
                out.extend_from_slice(name.as_bytes());
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// True if the text just before a bare `top` is `module ` or `endmodule // `.
fn is_module_use(before: &str) -> bool {
    let trimmed = before.trim_end();
    trimmed.ends_with("module") || trimmed.ends_with("endmodule //")
}

/// The ports of `module`, in declaration order.
pub fn ports(verilog: &str, module: &str) -> Vec<Port> {
    let header = format!("module {module}(");
    let Some(start) = verilog.find(&header) else {
        return Vec::new();
    };
    let body = &verilog[start..];
    let end = body.find("endmodule").unwrap_or(body.len());
    body[..end].lines().filter_map(parse_port).collect()
}

fn parse_port(line: &str) -> Option<Port> {
    let line = line.trim().strip_suffix(';')?;
    let (direction, rest) = if let Some(r) = line.strip_prefix("input ") {
        (Direction::Input, r)
    } else if let Some(r) = line.strip_prefix("output ") {
        (Direction::Output, r)
    } else {
        return None;
    };
    let rest = rest.trim_start();
    let rest = rest
        .strip_prefix("wire")
        .or_else(|| rest.strip_prefix("reg"))
        .unwrap_or(rest)
        .trim_start();
    let (width, name) = match rest.strip_prefix('[') {
        Some(r) => {
            let (range, name) = r.split_once(']')?;
            let (hi, lo) = range.split_once(':')?;
            let hi: usize = hi.trim().parse().ok()?;
            let lo: usize = lo.trim().parse().ok()?;
            (hi - lo + 1, name.trim())
        }
        None => (1, rest.trim()),
    };
    Some(Port {
        name: name.replace('$', "_"),
        core_name: name.to_string(),
        direction,
        width,
    })
}

/// An ANSI-port module `name` that instantiates `core` with readable port names.
/// `doc` becomes the file's opening comment (one line per entry).
pub fn wrapper(name: &str, core: &str, ports: &[Port], doc: &[&str]) -> String {
    let mut v = String::new();
    for line in doc {
        let _ = writeln!(v, "// {line}");
    }
    let decls: Vec<String> = ports
        .iter()
        .map(|p| {
            let dir = match p.direction {
                Direction::Input => "input  wire",
                Direction::Output => "output wire",
            };
            let range = if p.width > 1 {
                format!("[{}:0] ", p.width - 1)
            } else {
                String::new()
            };
            format!("    {dir} {range}{}", p.name)
        })
        .collect();
    let _ = writeln!(v, "module {name} (\n{}\n);", decls.join(",\n"));
    let conns: Vec<String> = ports
        .iter()
        .map(|p| format!("        .{}({})", escape(&p.core_name), p.name))
        .collect();
    let _ = writeln!(v, "    {core} core (\n{}\n    );", conns.join(",\n"));
    let _ = writeln!(v, "endmodule");
    v
}

/// A Verilog name with `$` is legal as written; kept as a function so the rule lives in one
/// place if a tool ever needs escaped identifiers instead.
fn escape(name: &str) -> String {
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "module top(clock,rx$data,hit);\n    input wire  clock;\n    input wire  [7:0] rx$data;\n    output reg  hit;\n    reg stop$d;\n    top$count count(.d(stop$d));\nendmodule // top\n\nmodule top$count(d);\n    input wire  d;\nendmodule // top$count\n";

    #[test]
    fn renames_modules_only() {
        let v = rename_modules(SAMPLE, "exo_engine_core");
        assert!(v.contains("module exo_engine_core(clock"));
        assert!(v.contains("endmodule // exo_engine_core\n"));
        assert!(v.contains("exo_engine_core__count count("));
        assert!(v.contains("module exo_engine_core__count(d)"));
        assert!(
            v.contains("reg stop$d;"),
            "signal names must not change: {v}"
        );
        assert!(!v.contains(" top$") && !v.contains("(top"));
    }

    #[test]
    fn reads_ports_and_wraps_them() {
        let p = ports(SAMPLE, "top");
        let names: Vec<_> = p.iter().map(|p| (p.name.as_str(), p.width)).collect();
        assert_eq!(names, [("clock", 1), ("rx_data", 8), ("hit", 1)]);
        assert_eq!(p[2].direction, Direction::Output);
        let w = wrapper("exo_x", "top", &p, &["doc"]);
        assert!(w.contains("input  wire [7:0] rx_data"));
        assert!(w.contains(".rx$data(rx_data)"));
    }
}
