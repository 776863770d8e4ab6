//! The reform's four targets (seed 《“马上办、网上办、一次办”改革实施方案》, 目标要求, for the end of 2018) and the
//! catalog's standing against them: shares of the services (事项) the catalog lists, for the hall and per
//! department (the targets are set for 区直部门, the district's departments).

use serde::Serialize;

use sanban_wire::Service;

/// One of the 三办 indicators the catalog decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    /// 马上办: 即办件比例 — decided on the spot.
    Instant,
    /// 网上办: 可全程网上办的事项 — no visit at all (`visits == 0`).
    FullyOnline,
    /// 网上办: 可在线申报、网上预审、现场校验的事项 — can be applied for online (`online`).
    OnlinePrereview,
    /// 一次办: at most one visit (`visits <= 1`).
    OneVisit,
}

impl Indicator {
    pub const ALL: [Indicator; 4] = [
        Indicator::Instant,
        Indicator::FullyOnline,
        Indicator::OnlinePrereview,
        Indicator::OneVisit,
    ];

    pub fn name_zh(self) -> &'static str {
        match self {
            Indicator::Instant => "即办件比例",
            Indicator::FullyOnline => "全程网上办比例",
            Indicator::OnlinePrereview => "网上预审比例",
            Indicator::OneVisit => "一次办比例",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Indicator::Instant => "Decided on the spot",
            Indicator::FullyOnline => "Fully online",
            Indicator::OnlinePrereview => "Applied and pre-reviewed online",
            Indicator::OneVisit => "At most one visit",
        }
    }

    /// The target in percent and whether the share must be strictly above it: the seed asks 即办件 to *exceed*
    /// 50% (超过) and the others to *reach* their share (达到…以上).
    pub fn target(self) -> Target {
        match self {
            Indicator::Instant => Target {
                percent: 50,
                strictly_above: true,
            },
            Indicator::FullyOnline => Target {
                percent: 50,
                strictly_above: false,
            },
            Indicator::OnlinePrereview | Indicator::OneVisit => Target {
                percent: 80,
                strictly_above: false,
            },
        }
    }

    /// Whether `service` counts towards this indicator.
    pub fn counts(self, service: &Service) -> bool {
        match self {
            Indicator::Instant => service.is_instant(),
            Indicator::FullyOnline => service.visits == 0,
            Indicator::OnlinePrereview => service.online,
            Indicator::OneVisit => service.visits <= 1,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Target {
    pub percent: u32,
    pub strictly_above: bool,
}

impl Target {
    /// Whether `met` of `total` meets the target (exact: no rounding of the share).
    pub fn is_met(self, met: u64, total: u64) -> bool {
        if total == 0 {
            return false;
        }
        let (lhs, rhs) = (met * 100, u64::from(self.percent) * total);
        if self.strictly_above {
            lhs > rhs
        } else {
            lhs >= rhs
        }
    }

    pub fn describe_zh(self) -> String {
        if self.strictly_above {
            format!("超过 {}%", self.percent)
        } else {
            format!("达到 {}% 以上", self.percent)
        }
    }
}

/// One indicator for one group of services.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Standing {
    pub indicator: Indicator,
    /// Services that count towards the indicator.
    pub met: u64,
    pub total: u64,
    /// `met / total` in percent (0 when there are no services).
    pub share_percent: f64,
    pub target: Target,
    pub target_met: bool,
}

impl Standing {
    fn of(indicator: Indicator, services: &[&Service]) -> Standing {
        let total = services.len() as u64;
        let met = services.iter().filter(|s| indicator.counts(s)).count() as u64;
        let target = indicator.target();
        Standing {
            indicator,
            met,
            total,
            share_percent: percent(met, total),
            target,
            target_met: target.is_met(met, total),
        }
    }

    /// Percentage points above (positive) or below (negative) the target.
    pub fn margin(&self) -> f64 {
        self.share_percent - f64::from(self.target.percent)
    }
}

/// The four indicators for one department.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DepartmentStanding {
    pub department: String,
    pub department_en: String,
    pub standings: Vec<Standing>,
}

impl DepartmentStanding {
    /// The department's worst margin against any target: the sort key of "worst first".
    pub fn worst_margin(&self) -> f64 {
        self.standings
            .iter()
            .map(Standing::margin)
            .fold(f64::INFINITY, f64::min)
    }
}

/// The four indicators over the whole catalog.
pub fn hall(services: &[Service]) -> Vec<Standing> {
    let all: Vec<&Service> = services.iter().collect();
    Indicator::ALL
        .iter()
        .map(|&i| Standing::of(i, &all))
        .collect()
}

/// The four indicators per department, the department furthest below a target first.
pub fn departments(services: &[Service]) -> Vec<DepartmentStanding> {
    let mut names: Vec<(&str, &str)> = services
        .iter()
        .map(|s| (s.department.as_str(), s.department_en.as_str()))
        .collect();
    names.sort();
    names.dedup_by(|a, b| a.0 == b.0);
    let mut out: Vec<DepartmentStanding> = names
        .into_iter()
        .map(|(zh, en)| {
            let own: Vec<&Service> = services.iter().filter(|s| s.department == zh).collect();
            DepartmentStanding {
                department: zh.to_string(),
                department_en: en.to_string(),
                standings: Indicator::ALL
                    .iter()
                    .map(|&i| Standing::of(i, &own))
                    .collect(),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        a.worst_margin()
            .total_cmp(&b.worst_margin())
            .then_with(|| a.department.cmp(&b.department))
    });
    out
}

pub(crate) fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instant_must_exceed_half_the_others_reach_their_share() {
        assert!(!Indicator::Instant.target().is_met(1, 2));
        assert!(Indicator::Instant.target().is_met(51, 100));
        assert!(Indicator::FullyOnline.target().is_met(1, 2));
        assert!(!Indicator::OneVisit.target().is_met(79, 100));
        assert!(Indicator::OneVisit.target().is_met(4, 5));
        assert!(!Indicator::OneVisit.target().is_met(0, 0));
    }
}
