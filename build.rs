//! Compiles the Slint UI with the fonts embedded, English bundled as a translation (Chinese is the source
//! language) and debug info for the UI tests and the scripted tour, which find widgets by accessible label.
fn main() {
    let config = slint_build::CompilerConfiguration::new()
        .embed_resources(slint_build::EmbedResourcesKind::EmbedFiles)
        .with_bundled_translations("ui/translations")
        .with_default_translation_context(slint_build::DefaultTranslationContext::None)
        .with_debug_info(true);
    slint_build::compile_with_config("ui/app-window.slint", config)
        .expect("Slint UI failed to compile");
}
