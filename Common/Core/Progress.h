/**
 * @file Progress.h
 * @brief How long work reports progress and learns that the user asked it to stop.
 *
 * Plain C++, no VTK: the cores take a Progress, and the VTK wrappers pass one that calls
 * vtkAlgorithm::UpdateProgress and reads the abort flag (Documentation/design.md section 6).
 */
#pragma once

namespace cnnslicer
{

/// Callback for long work: receives the fraction done in [0,1], returns false to cancel.
using ProgressCallback = bool (*)(double fraction, void* clientData);

/// A progress sink: a function pointer and its client data (either may be null).
struct Progress
{
  ProgressCallback Callback = nullptr;
  void* ClientData = nullptr;
  /// Reports @p fraction; returns false when the user asked to stop.
  bool report(double fraction) const
  {
    return Callback == nullptr || Callback(fraction, ClientData);
  }
};

} // namespace cnnslicer
