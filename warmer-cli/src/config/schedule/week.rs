//! The 168 hours of a week: which hours a window covers, what is left, and the fewest
//! day-set × hours rectangles that cover it.

use super::*;

/// The 168 hours of a week, by day (0 = SUN) and hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WeekGrid([u32; 7]);

impl WeekGrid {
    /// No hour.
    pub fn empty() -> Self {
        WeekGrid([0; 7])
    }

    /// Every hour.
    pub fn full() -> Self {
        WeekGrid([(1 << 24) - 1; 7])
    }

    /// The hours `hours` on the days `days`.
    pub fn window(days: DaySet, hours: HourRange) -> Self {
        let mut grid = WeekGrid::empty();
        for day in days.iter() {
            for hour in hours.hours() {
                grid.set(day, hour);
            }
        }
        grid
    }

    /// Adds one hour.
    pub fn set(&mut self, day: usize, hour: usize) {
        self.0[day] |= 1 << hour;
    }

    /// Whether an hour is in the grid.
    pub fn get(&self, day: usize, hour: usize) -> bool {
        self.0[day] & (1 << hour) != 0
    }

    /// Hours in both grids.
    pub fn intersect(&self, other: &WeekGrid) -> WeekGrid {
        WeekGrid(std::array::from_fn(|d| self.0[d] & other.0[d]))
    }

    /// Hours in `self` and not in `other`.
    pub fn minus(&self, other: &WeekGrid) -> WeekGrid {
        WeekGrid(std::array::from_fn(|d| self.0[d] & !other.0[d]))
    }

    /// Hours in either grid.
    pub fn union(&self, other: &WeekGrid) -> WeekGrid {
        WeekGrid(std::array::from_fn(|d| self.0[d] | other.0[d]))
    }

    /// Number of hours.
    pub fn count(&self) -> usize {
        self.0.iter().map(|d| d.count_ones() as usize).sum()
    }

    /// Whether no hour is set.
    pub fn is_empty(&self) -> bool {
        self.count() == 0
    }

    /// The first hour set, as (day, hour).
    pub fn first(&self) -> Option<(usize, usize)> {
        (0..7).find_map(|d| (self.0[d] != 0).then(|| (d, self.0[d].trailing_zeros() as usize)))
    }

    /// Cuts the grid into pieces that each are one cron's days x hours: hours that share the
    /// same set of days go together.
    pub fn rectangles(&self) -> Vec<(DaySet, Vec<usize>)> {
        let mut groups: Vec<(DaySet, Vec<usize>)> = Vec::new();
        for hour in 0..24 {
            let mut days = DaySet::default();
            for day in 0..7 {
                if self.get(day, hour) {
                    days.insert(day);
                }
            }
            if days.is_empty() {
                continue;
            }
            match groups.iter_mut().find(|(d, _)| *d == days) {
                Some((_, hours)) => hours.push(hour),
                None => groups.push((days, vec![hour])),
            }
        }
        groups
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complement_of_weekday_window_is_two_crons() {
        let window = WeekGrid::window(DaySet::WEEKDAYS, "08:00-20:00".parse().unwrap());
        let rest = WeekGrid::full().minus(&window);
        let rects = rest.rectangles();
        assert_eq!(rects.len(), 2);
        assert_eq!(rects[0].0, DaySet::ALL);
        assert_eq!(hours_field(&rects[0].1), "0-7,20-23");
        assert_eq!(rects[1].0.cron_field(), "SUN,SAT");
        assert_eq!(hours_field(&rects[1].1), "8-19");
    }
}
