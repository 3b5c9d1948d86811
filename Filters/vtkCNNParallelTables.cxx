#include "vtkCNNParallelTables.h"

#include "vtkCNNLayerBlocks.h"

#include "vtkAbstractArray.h"
#include "vtkCommunicator.h"
#include "vtkDataArray.h"
#include "vtkFieldData.h"
#include "vtkInformation.h"
#include "vtkMultiProcessController.h"
#include "vtkNew.h"
#include "vtkSmartPointer.h"
#include "vtkStreamingDemandDrivenPipeline.h"
#include "vtkStringArray.h"
#include "vtkTable.h"

#include <algorithm>
#include <utility>

vtkCNNParallelTables::vtkCNNParallelTables(vtkInformation* outputInfo)
{
  vtkMultiProcessController* controller = vtkMultiProcessController::GetGlobalController();
  const int pieces =
    outputInfo && outputInfo->Has(vtkStreamingDemandDrivenPipeline::UPDATE_NUMBER_OF_PIECES())
      ? outputInfo->Get(vtkStreamingDemandDrivenPipeline::UPDATE_NUMBER_OF_PIECES())
      : 1;
  if (controller && pieces > 1 && controller->GetNumberOfProcesses() == pieces)
  {
    this->Controller = controller;
  }
}

long long vtkCNNParallelTables::AgreeOnLayers(bool ok, std::size_t computed) const
{
  if (!this->Controller)
  {
    return ok ? static_cast<long long>(computed) : -1;
  }
  // One reduction for both: a failed process contributes -1 to the minimum.
  const long long local[2] = { ok ? 0 : -1, static_cast<long long>(computed) };
  long long minimum[2] = { 0, 0 };
  long long sum[2] = { 0, 0 };
  this->Controller->AllReduce(local, minimum, 2, vtkCommunicator::MIN_OP);
  this->Controller->AllReduce(local, sum, 2, vtkCommunicator::SUM_OP);
  return minimum[0] < 0 ? -1 : sum[1];
}

void vtkCNNParallelTables::GatherRows(vtkTable* table,
                                      const std::vector<std::string>& orderColumns) const
{
  if (!this->Controller)
  {
    return;
  }
  std::vector<vtkSmartPointer<vtkDataObject>> gathered;
  this->Controller->Gather(table, gathered, 0);
  // Initialize() also empties the field data (unit, estimator): keep its arrays.
  vtkNew<vtkFieldData> metadata;
  metadata->ShallowCopy(table->GetFieldData());
  if (this->Controller->GetLocalProcessId() != 0)
  {
    table->Initialize();
    table->GetFieldData()->ShallowCopy(metadata);
    return;
  }

  // Rows of all processes, in process order, then ordered by the key columns.
  struct Row
  {
    vtkTable* Table;
    vtkIdType Index;
    std::vector<double> Key;
  };
  std::vector<Row> rows;
  for (const auto& object : gathered)
  {
    auto part = vtkTable::SafeDownCast(object);
    for (vtkIdType r = 0; part && r < part->GetNumberOfRows(); ++r)
    {
      Row row{ part, r, {} };
      for (const std::string& name : orderColumns)
      {
        vtkDataArray* column = vtkArrayDownCast<vtkDataArray>(part->GetColumnByName(name.c_str()));
        row.Key.push_back(column ? column->GetTuple1(r) : 0.0);
      }
      rows.push_back(std::move(row));
    }
  }
  std::stable_sort(
    rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.Key < b.Key; });

  // Rebuilt with the builder the serial tables come from: the same column types.
  vtkCNNTableBuilder merged;
  for (const Row& row : rows)
  {
    merged.NewRow();
    for (vtkIdType c = 0; c < row.Table->GetNumberOfColumns(); ++c)
    {
      vtkAbstractArray* column = row.Table->GetColumn(c);
      if (auto text = vtkArrayDownCast<vtkStringArray>(column))
      {
        merged.SetText(text->GetName(), text->GetValue(row.Index));
      }
      else if (auto numbers = vtkArrayDownCast<vtkDataArray>(column))
      {
        merged.Set(numbers->GetName(), numbers->GetTuple1(row.Index));
      }
    }
  }
  table->Initialize();
  merged.Build(table);
  table->GetFieldData()->ShallowCopy(metadata);
}
