//! Embeds the console's build (console/dist: `npm run build` in console/, which `make build`,
//! `make dev` and `make test` run first). Without one, the function serves a page that says so.

use std::fmt::Write as _;
use std::path::Path;

const FILES: &[&str] = &["index.html", "console.js", "styles.css"];

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dist = Path::new(&manifest).join("../../console/dist");
    println!("cargo:rerun-if-changed={}", dist.display());
    for file in FILES {
        println!("cargo:rerun-if-changed={}", dist.join(file).display());
    }
    let mut code = String::from(
        "/// The console's files, as built.\npub const FILES: &[shared::runtime::assets::Asset] = &[\n",
    );
    if FILES.iter().all(|file| dist.join(file).is_file()) {
        for file in FILES {
            let path = dist.join(file).canonicalize().expect("the file exists");
            writeln!(
                code,
                "    shared::runtime::assets::Asset {{ name: {file:?}, bytes: include_bytes!({:?}) }},",
                path.display().to_string()
            )
            .expect("writing to a String");
        }
    } else {
        code.push_str(
            "    shared::runtime::assets::Asset { name: \"index.html\", bytes: b\"<!doctype html><meta charset=utf-8><title>console not built</title><p>The console was not built: run <code>make build</code> (or <code>npm run build</code> in console/) before building this function.</p>\" },\n",
        );
    }
    code.push_str("];\n");
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(Path::new(&out).join("assets.rs"), code).expect("writing the assets' list");
}
