//! A display for benchmarks that need both the app's event loop (spawn_local, timers, replies from other threads)
//! and the kiosk's real draw: Slint's software renderer into a framebuffer-sized pixel buffer, every pixel
//! repainted (as `ui_render` measures), instead of the testing backend's snapshot into a new image.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::rc::Rc;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use slint::platform::software_renderer::{
    MinimalSoftwareWindow, PremultipliedRgbaColor, RepaintBufferType,
};
use slint::platform::{EventLoopProxy, Platform, WindowAdapter};
use slint::EventLoopError;

type Job = Box<dyn FnOnce() + Send>;

#[derive(Default)]
struct Queue {
    jobs: Mutex<(VecDeque<Job>, bool)>,
    ready: Condvar,
}

struct Proxy(Arc<Queue>);

impl EventLoopProxy for Proxy {
    fn quit_event_loop(&self) -> Result<(), EventLoopError> {
        self.0.jobs.lock().unwrap().1 = true;
        self.0.ready.notify_one();
        Ok(())
    }

    fn invoke_from_event_loop(&self, job: Job) -> Result<(), EventLoopError> {
        self.0.jobs.lock().unwrap().0.push_back(job);
        self.0.ready.notify_one();
        Ok(())
    }
}

/// The benchmark's platform: one software window and a plain event loop (jobs, timers; no input, no drawing —
/// the benchmark draws when it measures).
pub struct Display {
    pub window: Rc<MinimalSoftwareWindow>,
    queue: Arc<Queue>,
    start: Instant,
}

impl Platform for Display {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, slint::PlatformError> {
        Ok(self.window.clone())
    }

    fn duration_since_start(&self) -> Duration {
        self.start.elapsed()
    }

    fn new_event_loop_proxy(&self) -> Option<Box<dyn EventLoopProxy>> {
        Some(Box::new(Proxy(self.queue.clone())))
    }

    fn run_event_loop(&self) -> Result<(), slint::PlatformError> {
        loop {
            slint::platform::update_timers_and_animations();
            let jobs: Vec<Job> = {
                let mut q = self.queue.jobs.lock().unwrap();
                if q.1 {
                    q.1 = false;
                    return Ok(());
                }
                if q.0.is_empty() {
                    let wait = slint::platform::duration_until_next_timer_update()
                        .unwrap_or(Duration::from_millis(50))
                        .min(Duration::from_millis(50));
                    q = self.queue.ready.wait_timeout(q, wait).unwrap().0;
                }
                q.0.drain(..).collect()
            };
            for job in jobs {
                job();
            }
        }
    }
}

/// Install the display (before any window is made) and return its window.
pub fn install() -> Rc<MinimalSoftwareWindow> {
    let window = MinimalSoftwareWindow::new(RepaintBufferType::NewBuffer);
    slint::platform::set_platform(Box::new(Display {
        window: window.clone(),
        queue: Arc::default(),
        start: Instant::now(),
    }))
    .expect("the benchmark's display");
    window
}

/// A framebuffer of `width` × `height` 32-bit pixels.
pub struct Frame {
    pub pixels: Vec<PremultipliedRgbaColor>,
    pub width: usize,
}

impl Frame {
    pub fn new(width: usize, height: usize) -> Frame {
        Frame {
            pixels: vec![PremultipliedRgbaColor::default(); width * height],
            width,
        }
    }

    /// Draw the whole window into the buffer, as the kiosk's display path does; returns the pixels repainted.
    pub fn draw(&mut self, window: &MinimalSoftwareWindow) -> usize {
        window.request_redraw();
        let mut painted = 0;
        window.draw_if_needed(|r| {
            let size = r.render(&mut self.pixels, self.width).bounding_box_size();
            painted = size.width as usize * size.height as usize;
        });
        painted
    }
}
