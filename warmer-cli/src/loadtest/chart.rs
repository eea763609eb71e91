//! The picture of a load test: one dot per request, latency against request number, cold in
//! orange, warm in blue, errors as grey crosses; segments (waves, or the demo's bursts) are
//! separated by dashed lines and named above the plot.
//!
//! ```
//! use std::time::Duration;
//! use warmer_cli::loadtest::chart::{render_svg, Segment};
//! use warmer_cli::loadtest::classify::{Classification, Method, Start};
//! use warmer_cli::loadtest::report::{Outcome, Sample};
//!
//! let warm = Outcome::Classified(Classification { start: Start::Warm, method: Method::Header });
//! let samples = vec![Sample::new(0, 0, Duration::ZERO, Duration::from_millis(3), warm)];
//! let svg = render_svg("one request", &[Segment { label: "wave 1".into(), samples: &samples }]).unwrap();
//! assert!(svg.starts_with("<svg"));
//! ```

use std::path::Path;

use anyhow::Context as _;
use plotters::coord::combinators::WithKeyPoints;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::classify::Start;
use super::report::Sample;

const WIDTH: u32 = 1000;
const HEIGHT: u32 = 520;
const COLD: RGBColor = RGBColor(230, 120, 20);
const WARM: RGBColor = RGBColor(40, 100, 200);
const ERROR: RGBColor = RGBColor(130, 130, 130);

/// A run of consecutive requests drawn side by side with the others.
#[derive(Debug, Clone, Copy)]
pub struct Segment<'a> {
    /// Shown above the segment, e.g. `before warming`.
    pub label: &'a str,
    /// Its requests, in order.
    pub samples: &'a [Sample],
}

/// The picture format a chart file name asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `.svg`
    Svg,
    /// `.png`
    Png,
}

/// The format of `path` from its extension, or an error naming the flag and the fix.
///
/// ```
/// use std::path::Path;
/// use warmer_cli::loadtest::chart::{check_extension, Format};
///
/// assert_eq!(check_extension(Path::new("out/burst.PNG")).unwrap(), Format::Png);
/// assert!(check_extension(Path::new("burst.jpg")).is_err());
/// ```
pub fn check_extension(path: &Path) -> anyhow::Result<Format> {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("svg") => Ok(Format::Svg),
        Some("png") => Ok(Format::Png),
        _ => anyhow::bail!(
            "--chart {}: the file name must end in .svg or .png",
            path.display()
        ),
    }
}

/// Draws the chart to `path`: SVG for `.svg`, PNG for `.png`.
pub fn draw(path: &Path, title: &str, segments: &[Segment<'_>]) -> anyhow::Result<()> {
    let format = check_extension(path)?;
    let svg = render_svg(title, segments)?;
    let bytes = match format {
        Format::Svg => svg.into_bytes(),
        Format::Png => super::png::rasterize(&svg)?,
    };
    std::fs::write(path, bytes).with_context(|| format!("writing the chart to {}", path.display()))
}

/// The chart as an SVG document.
pub fn render_svg(title: &str, segments: &[Segment<'_>]) -> anyhow::Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        plot(&root, title, segments).map_err(|e| anyhow::anyhow!("drawing the chart: {e}"))?;
        root.present()
            .map_err(|e| anyhow::anyhow!("drawing the chart: {e}"))?;
    }
    Ok(svg)
}

type Chart<'a, DB> =
    ChartContext<'a, DB, Cartesian2d<RangedCoordf64, WithKeyPoints<LogCoord<f64>>>>;

fn plot<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    title: &str,
    segments: &[Segment<'_>],
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let total: usize = segments.iter().map(|s| s.samples.len()).sum();
    let latencies = || {
        segments
            .iter()
            .flat_map(|s| s.samples.iter().map(|x| x.latency_ms))
    };
    let max = latencies().fold(1.0_f64, f64::max);
    let min = latencies().fold(max, f64::min).max(0.01);
    // Log scale: warm answers take milliseconds, cold ones hundreds; both must be readable.
    let y_range = (min / 2.0)..(max * 2.0);
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(70)
        .build_cartesian_2d(
            0.0..(total.max(1) as f64 + 1.0),
            y_range
                .clone()
                .log_scale()
                .with_key_points(ticks(y_range.start, y_range.end)),
        )?;
    chart
        .configure_mesh()
        .x_desc("request")
        .y_desc("latency (log scale)")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format_ms(*y))
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(BLACK.mix(0.08))
        .label_style(("sans-serif", 14))
        .axis_desc_style(("sans-serif", 15))
        .draw()?;

    let any_errors = segments
        .iter()
        .any(|s| s.samples.iter().any(|x| x.start.is_none()));
    let mut offset = 0usize;
    for (i, segment) in segments.iter().enumerate() {
        if i > 0 {
            let x = offset as f64 + 0.5;
            chart.draw_series(DashedLineSeries::new(
                [(x, y_range.start), (x, y_range.end)],
                6,
                4,
                BLACK.mix(0.5).stroke_width(1),
            ))?;
        }
        if !segment.label.is_empty() {
            let middle = offset as f64 + segment.samples.len() as f64 / 2.0 + 0.5;
            chart.draw_series(std::iter::once(Text::new(
                segment.label.to_owned(),
                (middle, y_range.end / 1.25),
                ("sans-serif", 16).into_font().color(&BLACK).pos(
                    plotters::style::text_anchor::Pos::new(
                        plotters::style::text_anchor::HPos::Center,
                        plotters::style::text_anchor::VPos::Top,
                    ),
                ),
            )))?;
        }
        draw_points(&mut chart, offset, segment.samples, i == 0 && any_errors)?;
        offset += segment.samples.len();
    }

    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .margin(10)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.3))
        .label_font(("sans-serif", 14))
        .draw()?;
    Ok(())
}

fn draw_points<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    offset: usize,
    samples: &[Sample],
    label_errors: bool,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let at = |i: usize, s: &Sample| ((offset + i + 1) as f64, s.latency_ms.max(0.01));
    let first = offset == 0;
    for (class, color, name) in [(Start::Cold, COLD, "cold"), (Start::Warm, WARM, "warm")] {
        let points: Vec<_> = samples
            .iter()
            .enumerate()
            .filter(|(_, s)| s.start == Some(class))
            .map(|(i, s)| Circle::new(at(i, s), 4, color.filled()))
            .collect();
        let series = chart.draw_series(points)?;
        if first {
            series
                .label(name)
                .legend(move |(x, y)| Circle::new((x + 8, y), 4, color.filled()));
        }
    }
    let errors: Vec<_> = samples
        .iter()
        .enumerate()
        .filter(|(_, s)| s.start.is_none())
        .map(|(i, s)| Cross::new(at(i, s), 4, ERROR.stroke_width(2)))
        .collect();
    let series = chart.draw_series(errors)?;
    if label_errors {
        series
            .label("error")
            .legend(|(x, y)| Cross::new((x + 8, y), 4, ERROR.stroke_width(2)));
    }
    Ok(())
}

/// 1-2-5 steps (1, 2, 5, 10, 20, 50 ms, ...) inside `low..high`: even on a log axis.
fn ticks(low: f64, high: f64) -> Vec<f64> {
    let mut ticks = Vec::new();
    let mut decade = 10f64.powf(low.log10().floor());
    while decade <= high {
        for step in [1.0, 2.0, 5.0] {
            let tick = decade * step;
            if tick >= low && tick <= high {
                ticks.push(tick);
            }
        }
        decade *= 10.0;
    }
    ticks
}

fn format_ms(ms: f64) -> String {
    let trim = |text: String| {
        if text.contains('.') {
            text.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            text
        }
    };
    if ms >= 1000.0 {
        format!("{} s", trim(format!("{:.2}", ms / 1000.0)))
    } else if ms >= 1.0 {
        format!("{} ms", trim(format!("{ms:.1}")))
    } else {
        format!("{} ms", trim(format!("{ms:.2}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_labels_carry_their_unit() {
        assert_eq!(format_ms(2500.0), "2.5 s");
        assert_eq!(format_ms(1000.0), "1 s");
        assert_eq!(format_ms(300.0), "300 ms");
        assert_eq!(format_ms(0.25), "0.25 ms");
    }

    #[test]
    fn ticks_step_one_two_five_inside_the_range() {
        assert_eq!(
            ticks(3.0, 600.0),
            [5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0]
        );
    }
}
