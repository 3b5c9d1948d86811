/**
 * @file LibTorchMessages.h
 * @brief One-line reasons from LibTorch's multi-line error texts, for the reader's and
 * the trainer's messages. Plain C++: the texts are taken as strings, so no LibTorch header
 * is needed here.
 */
#pragma once

#include <string>

namespace cnnslicer
{

/// First non-blank line of a (multi-line, stack-trace laden) LibTorch error message,
/// without surrounding blanks; empty when the text has none.
std::string firstLine(const std::string& text);

/**
 * The sentence that says what went wrong in a TorchScript interpreter error: the first
 * line after its last "...Error: " (the rest is a traceback of the serialized code).
 */
std::string interpreterMessage(const std::string& text);

/**
 * Why torch::jit::load refused an archive that passed checkTorchScriptArchive(), from
 * LibTorch's message: its first line, except for an archive whose data.pkl holds a value
 * that is no module, where LibTorch 1.13 fails an internal assertion ("isObject() INTERNAL
 * ASSERT FAILED ... Expected Object but got Int") whose text asks for a PyTorch bug
 * report; that becomes "its data.pkl holds a value of type Int, not a module". A message
 * with no text at all becomes "LibTorch gave no reason; the file is damaged or incomplete",
 * so that a message built on it never ends in a bare colon.
 */
std::string describeTorchScriptLoadFailure(const std::string& libtorchMessage);

} // namespace cnnslicer
