//! A one-line progress report on stderr for `coverage` on a terminal: `[####    ] 120/800
//! paths checked  3s (eta 17s)`, redrawn at most ten times a second. Hidden when stderr or
//! stdout is not a terminal. (indicatif did this before; its crates were 3 MB of the
//! release build's LTO input, which no longer fit in 512 MiB.)

use std::io::Write;
use std::time::{Duration, Instant};

const WIDTH: u64 = 30;
const EVERY: Duration = Duration::from_millis(100);

pub struct Progress {
    show: bool,
    done: u64,
    total: Option<u64>,
    started: Instant,
    drawn: Option<Instant>,
}

impl Progress {
    pub fn new(show: bool, total: Option<u64>) -> Progress {
        Progress { show, done: 0, total, started: Instant::now(), drawn: None }
    }

    pub fn inc(&mut self, n: u64) {
        self.done += n;
        if self.show && self.drawn.is_none_or(|d| d.elapsed() >= EVERY) {
            self.draw();
        }
    }

    fn draw(&mut self) {
        self.drawn = Some(Instant::now());
        let secs = self.started.elapsed().as_secs();
        let line = match self.total {
            Some(total) if total > 0 => {
                let filled = (self.done.min(total) * WIDTH / total) as usize;
                let eta = (secs * total.saturating_sub(self.done)).checked_div(self.done).unwrap_or(0);
                format!(
                    "[{}{}] {}/{total} paths checked  {secs}s (eta {eta}s)",
                    "#".repeat(filled),
                    " ".repeat(WIDTH as usize - filled),
                    self.done
                )
            }
            _ => format!("{} paths checked  {secs}s", self.done),
        };
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K{line}");
        let _ = err.flush();
    }

    /// Erases the line.
    pub fn finish_and_clear(&mut self) {
        if self.show && self.drawn.is_some() {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}
