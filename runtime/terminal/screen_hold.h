#pragma once
// The live view redraws the bottom of the terminal from the run loop; a question asked of a
// person (runtime/terminal/ask.h), often from a worker thread, must not be drawn over. Whoever asks
// holds the screen until the answer: the view clears itself and stops drawing, keeps what
// happens meanwhile, and prints it once released.
namespace flow::rt {

class ScreenHold {
 public:
  virtual ~ScreenHold() = default;
  virtual void hold() = 0;
  virtual void release() = 0;
};

}  // namespace flow::rt
