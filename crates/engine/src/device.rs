//! Where the model runs. CPU always works; CUDA and Metal only when compiled
//! in (cargo features `cuda`, `metal`) and present. Any other request falls
//! back to the CPU and says why, so the UI can tell the clinician.

use candle_core::Device;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Where to run a model, as the settings and `--device` name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum DeviceChoice {
    /// The CPU (our kernels).
    #[default]
    Cpu,
    /// An NVIDIA GPU (builds with the `cuda` feature).
    Cuda,
    /// An Apple GPU (builds with the `metal` feature).
    Metal,
}

impl kinds::Word for DeviceChoice {
    const ALL: &'static [DeviceChoice] =
        &[DeviceChoice::Cpu, DeviceChoice::Cuda, DeviceChoice::Metal];
    fn word(self) -> &'static str {
        match self {
            DeviceChoice::Cpu => "cpu",
            DeviceChoice::Cuda => "cuda",
            DeviceChoice::Metal => "metal",
        }
    }
}

/// The device obtained, and why it is not the one asked for, if it is not.
#[derive(Debug, Clone)]
pub struct Selected {
    /// The device.
    pub device: Device,
    /// Its name (`cpu`, `cuda`, `metal`).
    pub name: &'static str,
    /// Why it is not the one asked for, if it is not.
    pub fallback: Option<String>,
}

/// The device for `choice`, or the CPU with the reason when that one is missing
/// from the build or the machine.
pub fn select(choice: DeviceChoice) -> Selected {
    let cpu = |reason: String| Selected {
        device: Device::Cpu,
        name: "cpu",
        fallback: Some(reason),
    };
    match choice {
        DeviceChoice::Cpu => Selected {
            device: Device::Cpu,
            name: "cpu",
            fallback: None,
        },
        DeviceChoice::Cuda if cfg!(feature = "cuda") => match Device::new_cuda(0) {
            Ok(device) => Selected {
                device,
                name: "cuda",
                fallback: None,
            },
            Err(e) => cpu(format!(
                "no se encontró una GPU CUDA utilizable ({e}); se usa la CPU"
            )),
        },
        DeviceChoice::Cuda => {
            cpu("esta versión de Epicrisis no incluye CUDA; se usa la CPU".into())
        }
        DeviceChoice::Metal if cfg!(feature = "metal") => match Device::new_metal(0) {
            Ok(device) => Selected {
                device,
                name: "metal",
                fallback: None,
            },
            Err(e) => cpu(format!(
                "no se encontró una GPU Metal utilizable ({e}); se usa la CPU"
            )),
        },
        DeviceChoice::Metal => {
            cpu("esta versión de Epicrisis no incluye Metal; se usa la CPU".into())
        }
    }
}

/// What the model path needs on x86-64: the kernels' AVX2 integer dot
/// products, FMA and F16C. The executable itself is built for baseline
/// x86-64 (it starts, drafts and exports on any 64-bit PC); without these a
/// model would run on the scalar reference kernels, ten times slower than
/// a clinician can wait, so loading one is refused with an explanation.
pub const MODEL_CPU_FEATURES: [(&str, &str); 3] =
    [("avx2", "AVX2"), ("fma", "FMA"), ("f16c", "F16C")];

/// The features of [`MODEL_CPU_FEATURES`] this CPU lacks.
pub fn missing_cpu_features() -> Vec<&'static str> {
    #[cfg(target_arch = "x86_64")]
    {
        missing_from(|feature| match feature {
            "avx2" => std::arch::is_x86_feature_detected!("avx2"),
            "fma" => std::arch::is_x86_feature_detected!("fma"),
            "f16c" => std::arch::is_x86_feature_detected!("f16c"),
            _ => false,
        })
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        Vec::new()
    }
}

/// The check itself, over any answer to "has this feature?", so that tests
/// can ask it about CPUs they do not run on.
fn missing_from(has: impl Fn(&str) -> bool) -> Vec<&'static str> {
    MODEL_CPU_FEATURES
        .iter()
        .filter(|(feature, _)| !has(feature))
        .map(|(_, name)| *name)
        .collect()
}

/// Refuses a CPU without what the model path needs, with an explanation;
/// loading a model calls it first.
pub fn check_cpu() -> Result<()> {
    check_features(&missing_cpu_features())
}

fn check_features(missing: &[&str]) -> Result<()> {
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Error::CpuUnsupported {
            missing: missing.join(", "),
        })
    }
}

/// The Spanish explanation for a CPU that lacks the baseline, if it does,
/// for a UI that wants to say so before any model is chosen.
pub fn cpu_problem() -> Option<String> {
    check_cpu().err().map(|e| e.to_string())
}

/// Memory the system can give a new load without swapping, in bytes, to
/// warn before a model that will not fit is loaded; `None` where the OS
/// does not say. Linux's `MemAvailable`, Windows' available physical memory
/// and macOS's free plus reclaimable pages, through `sysinfo`.
pub fn available_memory() -> Option<u64> {
    let mut system = sysinfo::System::new();
    system.refresh_memory();
    let bytes = system.available_memory();
    (bytes > 0).then_some(bytes)
}

/// Whether a model needing `need` bytes fits, when loading it first frees
/// `freed` bytes (the model loaded now, which a load replaces). Unknown
/// free memory never blocks a load.
pub fn fits(need: u64, available: Option<u64>, freed: u64) -> bool {
    available.is_none_or(|free| need <= free.saturating_add(freed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_os_says_how_much_memory_is_free() {
        if cfg!(any(
            target_os = "linux",
            target_os = "windows",
            target_os = "macos"
        )) {
            let free = available_memory().expect("the OS reports free memory");
            // More than 16 MiB and less than the 2^50 no machine has.
            assert!(free > 1 << 24 && free < 1 << 50, "{free}");
        }
    }

    #[test]
    fn a_switch_counts_the_model_it_unloads() {
        let gib = 1u64 << 30;
        assert!(fits(2 * gib, Some(3 * gib), 0));
        assert!(!fits(2 * gib, Some(gib), 0));
        // 1 GiB free, and the loaded 1.5 GiB model goes first.
        assert!(fits(2 * gib, Some(gib), 3 * gib / 2));
        assert!(fits(u64::MAX, None, 0));
        assert!(!fits(u64::MAX, Some(u64::MAX - 1), 0));
        assert!(fits(u64::MAX, Some(u64::MAX), u64::MAX));
    }

    #[test]
    fn the_cpu_check_names_what_an_old_cpu_lacks() {
        // A Celeron N3350 (Goldmont): SSE4.2, no AVX at all.
        let goldmont = |f: &str| !matches!(f, "avx2" | "fma" | "f16c");
        assert_eq!(missing_from(goldmont), ["AVX2", "FMA", "F16C"]);
        // An Ivy Bridge Core i5: F16C, but neither AVX2 nor FMA.
        let ivy_bridge = |f: &str| f == "f16c";
        assert_eq!(missing_from(ivy_bridge), ["AVX2", "FMA"]);
        assert!(missing_from(|_| true).is_empty());
        let refused = check_features(&missing_from(goldmont)).unwrap_err();
        assert_eq!(refused.kind(), "cpu_no_soportada");
        let message = refused.to_string();
        assert!(message.contains("AVX2, FMA, F16C"), "{message}");
        assert!(check_features(&missing_from(|_| true)).is_ok());
    }

    #[test]
    fn cpu_is_always_available() {
        let s = select(DeviceChoice::Cpu);
        assert!(s.device.is_cpu());
        assert!(s.fallback.is_none());
    }

    #[cfg(not(feature = "cuda"))]
    #[test]
    fn cuda_without_the_feature_falls_back_and_says_why() {
        let s = select(DeviceChoice::Cuda);
        assert!(s.device.is_cpu());
        assert!(s.fallback.unwrap().contains("no incluye CUDA"));
    }

    #[test]
    fn devices_are_read_by_their_settings_word() {
        use kinds::Word;
        assert_eq!(DeviceChoice::from_word("tpu"), None);
        assert_eq!(DeviceChoice::from_word("metal"), Some(DeviceChoice::Metal));
        assert!(serde_json::from_str::<DeviceChoice>("\"tpu\"").is_err());
        for device in DeviceChoice::ALL {
            assert_eq!(
                serde_json::to_value(device).unwrap(),
                serde_json::Value::from(device.word())
            );
        }
    }
}
