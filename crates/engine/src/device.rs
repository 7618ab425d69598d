//! Where the model runs. CPU always works; CUDA and Metal only when compiled
//! in (cargo features `cuda`, `metal`) and present. Any other request falls
//! back to the CPU and says why, so the UI can tell the clinician.

use candle_core::Device;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum DeviceChoice {
    #[default]
    Cpu,
    Cuda,
    Metal,
}

impl std::str::FromStr for DeviceChoice {
    type Err = Error;
    fn from_str(s: &str) -> Result<DeviceChoice> {
        match s {
            "cpu" => Ok(DeviceChoice::Cpu),
            "cuda" => Ok(DeviceChoice::Cuda),
            "metal" => Ok(DeviceChoice::Metal),
            other => Err(Error::Invalid(format!(
                "dispositivo «{other}» desconocido; use cpu, cuda o metal"
            ))),
        }
    }
}

/// The device obtained, and why it is not the one asked for, if it is not.
#[derive(Debug, Clone)]
pub struct Selected {
    pub device: Device,
    pub name: &'static str,
    pub fallback: Option<String>,
}

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

/// CPU features the build was compiled for (x86-64-v3) that this CPU lacks.
/// Running without them would die on an illegal instruction, so loading
/// checks first and explains.
pub fn missing_cpu_features() -> Vec<&'static str> {
    #[cfg(target_arch = "x86_64")]
    {
        let mut missing = Vec::new();
        if !std::arch::is_x86_feature_detected!("avx2") {
            missing.push("AVX2");
        }
        if !std::arch::is_x86_feature_detected!("fma") {
            missing.push("FMA");
        }
        if !std::arch::is_x86_feature_detected!("f16c") {
            missing.push("F16C");
        }
        missing
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        Vec::new()
    }
}

/// Refuses a CPU without the x86-64-v3 baseline with an explanation;
/// loading a model calls it first.
pub fn check_cpu() -> Result<()> {
    let missing = missing_cpu_features();
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
/// warn before a model that will not fit is loaded. `None` where the
/// platform does not say (only Linux's `/proc/meminfo` is read).
pub fn available_memory() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    parse_mem_available(&meminfo)
}

fn parse_mem_available(meminfo: &str) -> Option<u64> {
    let line = meminfo
        .lines()
        .find(|line| line.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_available_memory_from_meminfo() {
        let meminfo =
            "MemTotal:       24576000 kB\nMemFree:  100 kB\nMemAvailable:   20000000 kB\n";
        assert_eq!(parse_mem_available(meminfo), Some(20_000_000 * 1024));
        assert_eq!(parse_mem_available("MemTotal: 1 kB\n"), None);
        if cfg!(target_os = "linux") {
            assert!(available_memory().is_some_and(|bytes| bytes > 0));
        }
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
    fn unknown_device_names_are_refused() {
        assert!("tpu".parse::<DeviceChoice>().is_err());
        assert_eq!(
            "metal".parse::<DeviceChoice>().unwrap(),
            DeviceChoice::Metal
        );
    }
}
