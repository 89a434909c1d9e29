//! Compiles proto/ without a system protoc: protox (pure Rust) parses the files into a
//! descriptor set, tonic-prost-build generates messages and services from it, and
//! pbjson-build generates the proto3 JSON mapping (both field spellings accepted).

use std::path::PathBuf;

use prost::Message;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proto_root = PathBuf::from("../proto");
    let files = [
        "clinicplan/v1/theatre.proto",
        "clinicplan/v1/appointments.proto",
        "clinicplan/v1/scenarios.proto",
    ];
    for file in &files {
        println!("cargo:rerun-if-changed={}", proto_root.join(file).display());
    }
    let fds = protox::compile(files, [&proto_root])?;
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    let descriptor_path = out_dir.join("clinicplan_descriptor.bin");
    std::fs::write(&descriptor_path, fds.encode_to_vec())?;

    tonic_prost_build::configure()
        .file_descriptor_set_path(&descriptor_path)
        .skip_protoc_run()
        .compile_fds(fds)?;

    let descriptors = std::fs::read(&descriptor_path)?;
    pbjson_build::Builder::new()
        .register_descriptors(&descriptors)?
        .build(&[".clinicplan"])?;
    Ok(())
}
