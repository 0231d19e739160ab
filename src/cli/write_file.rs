//! Writing one output file (`graph -o`, `report -o`) safely: the content goes
//! to a temporary file beside the target, which is then renamed over it, so a
//! reader never sees half a file. kokuc never writes through a symlink and
//! never replaces a directory.

use std::fs;
use std::io::Write;
use std::path::Path;

pub fn write_file(path: &Path, content: &str) -> Result<(), String> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => {
            return Err(format!(
                "`{}` is a symlink; kokuc does not write through symlinks (give the real file)",
                path.display()
            ))
        }
        Ok(m) if m.is_dir() => return Err(format!("`{}` is a directory; give a file name", path.display())),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("cannot inspect `{}`: {e}", path.display())),
    }
    let name = path
        .file_name()
        .ok_or_else(|| format!("`{}` is not a file name", path.display()))?
        .to_string_lossy()
        .into_owned();
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => Path::new(".").to_path_buf(),
    };
    let temp = dir.join(format!(".{name}.kokuc-tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .map_err(|e| format!("cannot create `{}`: {e}", temp.display()))?;
        f.write_all(content.as_bytes())
            .and_then(|()| f.sync_all())
            .map_err(|e| format!("cannot write `{}`: {e}", temp.display()))?;
        fs::rename(&temp, path).map_err(|e| format!("cannot write `{}`: {e}", path.display()))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}
