// The only translation unit of the project that includes LibTorch's JIT headers.
#include "ModelCapture.h"

#include "DatasetError.h"
#include "LibTorchMessages.h"
#include "TorchScriptArchive.h"

#include <ATen/Parallel.h>
#include <torch/csrc/jit/api/function_impl.h>
#include <torch/csrc/jit/ir/alias_analysis.h>
#include <torch/csrc/jit/ir/ir.h>
#include <torch/script.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>
#include <unordered_map>
#include <unordered_set>

namespace cnnslicer
{

namespace
{

namespace jit = torch::jit;

/// "__torch__.torch.nn.modules.conv.Conv2d" -> "Conv2d"; "___torch_mangle_3.Net" -> "Net".
std::string shortTypeName(const c10::ClassTypePtr& type)
{
  if (!type || !type->name())
  {
    return "Module";
  }
  return type->name()->name();
}

/// A leaf module has no submodule attributes (Conv2d, ReLU, ...; not Sequential).
bool isLeafModule(const c10::ClassTypePtr& type)
{
  for (std::size_t i = 0; i < type->numAttributes(); ++i)
  {
    const auto attribute = type->getAttribute(i)->cast<c10::ClassType>();
    if (attribute && attribute->is_module())
    {
      return false;
    }
  }
  return true;
}

std::string joinPath(const std::string& parent, const std::string& child)
{
  return parent.empty() ? child : parent + "." + child;
}

/**
 * Rewrites a copy of forward so that it also returns the captured values. Walks the
 * graph top-down, inlining each module call (inlineCallTo returns the call's outputs,
 * i.e. the module's output) and each scripted function call; the receiver's
 * prim::GetAttr chain gives the module path.
 */
class GraphRewriter
{
public:
  struct Capture
  {
    CapturedLayer Layer;
    /// aten::clone of the captured value, inserted where the module returned.
    jit::Node* Clone = nullptr;
    /// The Tensor[] list the rewritten graph returns (made by finish()).
    jit::Value* List = nullptr;
  };

  GraphRewriter(std::shared_ptr<jit::Graph> graph)
    : Graph(std::move(graph))
  {
    this->ModulePaths[this->Graph->inputs()[0]] = "";
  }

  void inlineAndCaptureModules() { this->Walk(this->Graph->block(), true); }

  /// Adds the output of every remaining tensor operation (the operations granularity).
  void captureOperations() { this->CaptureOperationsIn(this->Graph->block()); }

  /**
   * Keeps the clones of captured values that a later in-place operation may write
   * (AliasDb), appends each capture to its own list, and makes the graph return
   * (original output, list_1, ..., list_k).
   *
   * AliasDb runs before any list exists: a tensor stored in a list becomes a wildcard
   * alias, for which every in-place op anywhere counts as a writer, and every clone
   * would look necessary.
   */
  void finish()
  {
    std::vector<bool> needed;
    {
      jit::AliasDb aliasDb(this->Graph);
      for (const Capture& capture : this->Captures)
      {
        needed.push_back(aliasDb.hasWriters(capture.Clone->input(0)));
      }
    }
    for (std::size_t i = 0; i < this->Captures.size(); ++i)
    {
      Capture& capture = this->Captures[i];
      {
        jit::WithInsertPoint top(this->Graph->block()->nodes().front());
        capture.List =
          this->Graph->insertNode(this->Graph->createList(c10::TensorType::get(), {}))->output();
      }
      jit::WithInsertPoint after(capture.Clone->next());
      jit::Value* stored = needed[i] ? capture.Clone->output() : capture.Clone->input(0);
      this->Graph->insert(c10::aten::append, { capture.List, stored });
      if (!needed[i])
      {
        capture.Clone->destroy();
        capture.Clone = nullptr;
      }
    }
    std::vector<jit::Value*> outputs(this->Graph->outputs().begin(), this->Graph->outputs().end());
    jit::Value* original = outputs.size() == 1
                             ? outputs[0]
                             : this->Graph->insertNode(this->Graph->createTuple(outputs))->output();
    std::vector<jit::Value*> returned{ original };
    for (const Capture& capture : this->Captures)
    {
      returned.push_back(capture.List);
    }
    jit::WithInsertPoint guard(this->Graph->return_node());
    jit::Value* tuple = this->Graph->insertNode(this->Graph->createTuple(returned))->output();
    while (!this->Graph->outputs().empty())
    {
      this->Graph->eraseOutput(0);
    }
    this->Graph->registerOutput(tuple);
  }

  std::vector<Capture> Captures;
  bool SawModuleCall = false;

private:
  void Walk(jit::Block* block, bool inModules)
  {
    for (auto it = block->nodes().begin(); it != block->nodes().end();)
    {
      jit::Node* node = *it;
      if (node->kind() == c10::prim::GetAttr)
      {
        const auto found = this->ModulePaths.find(node->input(0));
        const auto type = node->output()->type()->cast<c10::ClassType>();
        if (found != this->ModulePaths.end() && type && type->is_module())
        {
          this->ModulePaths[node->output()] = joinPath(found->second, node->s(c10::attr::name));
        }
        ++it;
        continue;
      }
      if (node->kind() == c10::prim::CallMethod || node->kind() == c10::prim::CallFunction)
      {
        it = this->InlineCall(node);
        continue;
      }
      for (jit::Block* sub : node->blocks())
      {
        this->Walk(sub, inModules);
      }
      ++it;
    }
  }

  /// Inlines one call; returns the iterator at the first inlined node (walked next).
  jit::graph_node_list_iterator InlineCall(jit::Node* call)
  {
    jit::Node* before = call->prev();
    jit::Node* after = call->next();
    jit::GraphFunction* callee = nullptr;
    std::string path = this->PathOf(call);
    jit::Value* receiver = this->ReceiverOf(call);
    c10::ClassTypePtr moduleType;
    if (call->kind() == c10::prim::CallMethod)
    {
      const auto type = call->input(0)->type()->cast<c10::ClassType>();
      if (!type)
      {
        throw CaptureError("the model calls a method on a value that is not an object");
      }
      callee = &jit::toGraphFunction(type->getMethod(call->s(c10::attr::name)));
      // A method called on the enclosing module itself (Conv2d.forward calling
      // self._conv_forward) is part of that module, not another layer.
      if (call->input(0) != receiver)
      {
        moduleType = type;
        receiver = call->input(0);
        const auto found = this->ModulePaths.find(receiver);
        path = found != this->ModulePaths.end() ? found->second : "";
      }
    }
    else
    {
      auto functionType = call->input(0)->type()->cast<c10::FunctionType>();
      callee = &jit::toGraphFunction(*functionType->function());
      // The callee's graph takes the arguments only, not the function constant.
      call->removeInput(0);
    }
    // inlineCallTo destroys the call node, and a node made later may get its address:
    // its entries must not survive to give that node the caller's path and receiver (a
    // Conv2d's inlined self._conv_forward then looked like a second call of the layer,
    // "features.7#1", in one of the 11 VGG checkpoints the case study read).
    this->NodePaths.erase(call);
    this->NodeReceivers.erase(call);
    // Pass the callee's own graph: the optimized graph would already have its children
    // inlined and hide them from the walk.
    const std::vector<jit::Value*> outputs = jit::inlineCallTo(call, callee, callee->graph().get());
    for (jit::Node* n = before->next(); n != after; n = n->next())
    {
      this->MarkInlined(n, path, receiver);
    }
    if (moduleType && moduleType->is_module())
    {
      this->SawModuleCall = true;
      if (isLeafModule(moduleType) && outputs.size() == 1)
      {
        this->AddCapture(outputs[0],
                         this->UniqueName(path.empty() ? "self" : path),
                         shortTypeName(moduleType),
                         path,
                         after);
      }
    }
    return jit::graph_node_list_iterator(before->next(), jit::kNextDirection);
  }

  /// Records which module's body @p node (and the nodes of its blocks) came from.
  void MarkInlined(jit::Node* node, const std::string& path, jit::Value* receiver)
  {
    this->NodePaths.insert_or_assign(node, path);
    this->NodeReceivers.insert_or_assign(node, receiver);
    for (jit::Block* block : node->blocks())
    {
      for (jit::Node* inner : block->nodes())
      {
        this->MarkInlined(inner, path, receiver);
      }
    }
  }

  /// The module value whose forward @p node belongs to (the model itself at top level).
  jit::Value* ReceiverOf(jit::Node* node) const
  {
    const auto found = this->NodeReceivers.find(node);
    return found != this->NodeReceivers.end() ? found->second : this->Graph->inputs()[0];
  }

  std::string PathOf(jit::Node* node) const
  {
    const auto found = this->NodePaths.find(node);
    return found != this->NodePaths.end() ? found->second : "";
  }

  std::string UniqueName(const std::string& base)
  {
    const int count = this->NameCounts[base]++;
    return count == 0 ? base : base + "#" + std::to_string(count);
  }

  /**
   * Records @p value as a layer: a clone of it is inserted before @p insertBefore (the
   * moment the module returned); finish() keeps it only where a later in-place
   * operation could overwrite the value.
   */
  void AddCapture(jit::Value* value,
                  const std::string& name,
                  const std::string& type,
                  const std::string& path,
                  jit::Node* insertBefore)
  {
    if (!value->type()->cast<c10::TensorType>())
    {
      return;
    }
    jit::WithInsertPoint guard(insertBefore);
    jit::Node* clone = this->Graph->insert(c10::aten::clone, { value })->node();
    this->Inserted.insert(clone);
    this->Captures.push_back(Capture{ CapturedLayer{ name, type, path, {} }, clone, nullptr });
  }

  void CaptureOperationsIn(jit::Block* block)
  {
    for (jit::Node* node : block->nodes())
    {
      for (jit::Block* sub : node->blocks())
      {
        this->CaptureOperationsIn(sub);
      }
      const std::string ns = node->kind().ns().toUnqualString();
      if (this->Inserted.count(node) > 0 || ns != "aten" || node->outputs().size() != 1 ||
          !node->output()->type()->cast<c10::TensorType>())
      {
        continue;
      }
      const std::string op = node->kind().toUnqualString();
      const std::string path = this->PathOf(node);
      this->AddCapture(node->output(),
                       this->UniqueName(path.empty() ? op : path + "/" + op),
                       node->kind().toQualString(),
                       path,
                       node->next());
    }
  }

  std::shared_ptr<jit::Graph> Graph;
  std::unordered_map<jit::Value*, std::string> ModulePaths;
  std::unordered_map<jit::Node*, std::string> NodePaths;
  std::unordered_map<jit::Node*, jit::Value*> NodeReceivers;
  std::map<std::string, int> NameCounts;
  std::unordered_set<jit::Node*> Inserted;
};

} // namespace

class ModelCapture::Internals
{
public:
  jit::Module Module;
  std::string Metadata;
  std::vector<CapturedLayer> Layers;
  std::unique_ptr<jit::GraphFunction> Function;
  CaptureGranularity Granularity = CaptureGranularity::Modules;
  bool FellBack = false;

  /// A view of the caller's batch (no copy) as an N x sampleShape tensor.
  static torch::Tensor View(const float* batch,
                            std::int64_t batchSize,
                            const std::vector<std::int64_t>& sampleShape)
  {
    std::vector<std::int64_t> shape{ batchSize };
    shape.insert(shape.end(), sampleShape.begin(), sampleShape.end());
    return torch::from_blob(const_cast<float*>(batch), shape, torch::kFloat32);
  }

  /**
   * Rewrites the module's forward into Function and lists the layers; @p what names the
   * module in messages ("'model.pt'").
   */
  void Rewrite(const std::string& what, CaptureGranularity granularity)
  {
    const auto forward = this->Module.find_method("forward");
    if (!forward)
    {
      throw CaptureError(what + " has no forward method to run");
    }
    auto graph = jit::toGraphFunction(forward->function()).graph()->copy();
    if (graph->inputs().size() != 2)
    {
      throw CaptureError("the forward method of " + what + " takes " +
                         std::to_string(graph->inputs().size() - 1) +
                         " inputs; CNNSlicer runs models whose forward takes one image batch");
    }

    GraphRewriter rewriter(graph);
    rewriter.inlineAndCaptureModules();
    this->Granularity = granularity;
    if (granularity == CaptureGranularity::Modules && !rewriter.SawModuleCall)
    {
      // torch.jit.freeze inlines every module: only operations remain.
      this->FellBack = true;
      this->Granularity = CaptureGranularity::Operations;
    }
    if (this->Granularity == CaptureGranularity::Operations)
    {
      rewriter.captureOperations();
    }
    rewriter.finish();
    this->Function =
      std::make_unique<jit::GraphFunction>("cnnslicer_capture_forward", graph, nullptr);

    this->Layers.push_back(CapturedLayer{ "input", "Input", "", {} });
    for (const auto& capture : rewriter.Captures)
    {
      this->Layers.push_back(capture.Layer);
    }
    this->Layers.push_back(CapturedLayer{ "logits", "Output", "", {} });
  }

  /**
   * Evaluation mode for the lifetime of the guard, then every module's own training flag
   * back (jit::Module::train(flag) would set one flag on all of them). A loaded model is
   * already in evaluation mode; a module under training is not.
   */
  class EvaluationMode
  {
  public:
    explicit EvaluationMode(const jit::Module& module)
    {
      for (const jit::Module& sub : module.modules())
      {
        if (sub.type()->hasAttribute("training"))
        {
          this->Flags.emplace_back(sub, sub.is_training());
        }
      }
      for (auto& [sub, flag] : this->Flags)
      {
        if (flag)
        {
          sub.setattr("training", false);
        }
      }
    }
    ~EvaluationMode()
    {
      for (auto& [sub, flag] : this->Flags)
      {
        if (flag)
        {
          sub.setattr("training", true);
        }
      }
    }
    EvaluationMode(const EvaluationMode&) = delete;
    EvaluationMode& operator=(const EvaluationMode&) = delete;

  private:
    std::vector<std::pair<jit::Module, bool>> Flags;
  };

  /// The rewritten function's outputs: the model output and one list per capture.
  std::vector<torch::Tensor> Forward(const torch::Tensor& input) const
  {
    // Inference mode records no gradient and leaves the version counters of the weights
    // alone, so that a training loop's autograd state is untouched.
    c10::InferenceMode guard;
    const EvaluationMode evaluation(this->Module);
    // The model gets a copy: an in-place first operation must not change the caller's
    // data, which is also the captured "input" layer.
    std::vector<c10::IValue> stack{ this->Module._ivalue(), input.clone() };
    c10::IValue result;
    try
    {
      result = (*this->Function)(std::move(stack));
    }
    catch (const std::exception& e)
    {
      // Shape mismatches arrive as torch::jit::JITException, other failures as c10::Error.
      std::ostringstream shape;
      shape << input.sizes();
      throw CaptureError("the model failed on an input of shape " + shape.str() + ": " +
                         interpreterMessage(e.what()));
    }
    const auto& elements = result.toTupleRef().elements();
    std::vector<torch::Tensor> tensors;
    tensors.push_back(input);
    for (std::size_t i = 1; i < elements.size(); ++i)
    {
      const c10::List<at::Tensor> list = elements[i].toTensorList();
      tensors.push_back(list.empty() ? torch::Tensor() : list.get(0));
    }
    const c10::IValue& output = elements[0];
    tensors.push_back(output.isTensor() ? output.toTensor() : torch::Tensor());
    return tensors;
  }
};

ModelCapture::ModelCapture(const std::string& path,
                           CaptureGranularity granularity,
                           std::uint64_t memoryLimitBytes)
  : Impl(std::make_unique<Internals>())
{
  if (!std::ifstream(path).good())
  {
    throw CaptureError("model file '" + path + "' does not exist or cannot be read");
  }
  // jit::load allocates every tensor the archive declares and runs its code: refuse a
  // file that is no TorchScript archive, or too large, from its zip directory alone.
  try
  {
    checkTorchScriptArchive(path, memoryLimitBytes);
  }
  catch (const DatasetError& e)
  {
    throw CaptureError(e.what());
  }
  jit::ExtraFilesMap extra{ { "cnnslicer.json", "" } };
  try
  {
    this->Impl->Module = jit::load(path, torch::kCPU, extra);
  }
  catch (const c10::Error& e)
  {
    throw CaptureError(
      "'" + path + "' is not a TorchScript archive (" +
      describeTorchScriptLoadFailure(e.what_without_backtrace()) +
      "); save the model with torch.jit.save(torch.jit.script(model)) or torch.jit.trace");
  }
  catch (const std::exception& e)
  {
    throw CaptureError("cannot load '" + path + "': " + describeTorchScriptLoadFailure(e.what()));
  }
  this->Impl->Metadata = extra["cnnslicer.json"];
  this->Impl->Module.eval();
  this->Impl->Rewrite("'" + path + "'", granularity);
}

ModelCapture::ModelCapture(const torch::jit::Module& module, CaptureGranularity granularity)
  : Impl(std::make_unique<Internals>())
{
  // A copy of the handle: the same module object, whose weights the caller keeps changing.
  this->Impl->Module = module;
  this->Impl->Rewrite("the module", granularity);
}

ModelCapture::~ModelCapture() = default;

bool ModelCapture::captures(const torch::jit::Module& module) const
{
  return this->Impl->Module._ivalue() == module._ivalue();
}

const std::string& ModelCapture::metadata() const
{
  return this->Impl->Metadata;
}

const std::vector<CapturedLayer>& ModelCapture::layers() const
{
  return this->Impl->Layers;
}

bool ModelCapture::fellBackToOperations() const
{
  return this->Impl->FellBack;
}

CaptureGranularity ModelCapture::granularity() const
{
  return this->Impl->Granularity;
}

void ModelCapture::inferShapes(const std::vector<std::int64_t>& sampleShape)
{
  std::int64_t size = 1;
  for (const std::int64_t d : sampleShape)
  {
    size *= d;
  }
  const std::vector<float> zeros(static_cast<std::size_t>(size), 0.0f);
  const std::vector<torch::Tensor> outputs =
    this->Impl->Forward(Internals::View(zeros.data(), 1, sampleShape));
  for (std::size_t i = 0; i < outputs.size(); ++i)
  {
    auto& layer = this->Impl->Layers[i];
    layer.SampleShape.clear();
    layer.Executed = outputs[i].defined();
    if (outputs[i].defined() && outputs[i].dim() >= 1)
    {
      const auto sizes = outputs[i].sizes();
      layer.SampleShape.assign(sizes.begin() + 1, sizes.end());
    }
  }
}

void ModelCapture::run(const float* batch,
                       std::int64_t batchSize,
                       const std::vector<std::int64_t>& sampleShape,
                       const std::vector<bool>& wanted,
                       const LayerSink& sink)
{
  const std::vector<torch::Tensor> outputs =
    this->Impl->Forward(Internals::View(batch, batchSize, sampleShape));
  for (std::size_t i = 0; i < outputs.size(); ++i)
  {
    if ((!wanted.empty() && !wanted[i]) || !outputs[i].defined())
    {
      continue;
    }
    const torch::Tensor values = outputs[i].to(torch::kFloat32).contiguous();
    const auto sizes = values.sizes();
    sink(i, values.data_ptr<float>(), std::vector<std::int64_t>(sizes.begin(), sizes.end()));
  }
}

void ModelCapture::runPlain(const float* batch,
                            std::int64_t batchSize,
                            const std::vector<std::int64_t>& sampleShape)
{
  c10::InferenceMode guard;
  const Internals::EvaluationMode evaluation(this->Impl->Module);
  this->Impl->Module.forward({ Internals::View(batch, batchSize, sampleShape).clone() });
}

void ModelCapture::setThreads(int threads)
{
  at::set_num_threads(
    threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
}

int ModelCapture::threads()
{
  return at::get_num_threads();
}

} // namespace cnnslicer
