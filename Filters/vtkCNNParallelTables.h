/**
 * @file vtkCNNParallelTables.h
 * @brief The reduction step of the CNN filters in a parallel run (not wrapped).
 *
 * In `mpiexec pvbatch` or `pvserver`, the CNN Activations Reader gives each process
 * whole layers (Documentation/parallel.md), so each process computes every scope of its
 * own layers exactly as a serial run would. What remains is to put the table rows of all
 * processes together: they are gathered on process 0 and ordered as a serial run orders
 * them (by layer); the other processes output empty tables. This is the convention of
 * ParaView's own reductions (Integrate Variables gives its result on process 0), so that
 * the spreadsheet, charts, CSV writers and servermanager.Fetch all see one table.
 */
#ifndef vtkCNNParallelTables_h
#define vtkCNNParallelTables_h

#include <cstddef>
#include <string>
#include <vector>

class vtkInformation;
class vtkMultiProcessController;
class vtkTable;

class vtkCNNParallelTables
{
public:
  /**
   * Reduces when the pipeline asked @p outputInfo's algorithm for one of several pieces
   * and the global controller has one process per piece; otherwise (serial runs, a
   * sub-pipeline updated on one process) every call does nothing collective.
   */
  explicit vtkCNNParallelTables(vtkInformation* outputInfo);

  bool IsParallel() const { return this->Controller != nullptr; }

  /**
   * Tells every process whether all processes computed their layers (@p ok) and how many
   * layers they computed together. Returns that number, or -1 when a process failed.
   */
  long long AgreeOnLayers(bool ok, std::size_t computed) const;

  /**
   * Gathers the rows of @p table on process 0, ordered by the numeric columns
   * @p orderColumns (stable: rows of one layer keep their order), and empties it on the
   * others. Columns keep the order in which they first appear; a row without a column
   * gets NaN or "" there, as in a serial table.
   */
  void GatherRows(vtkTable* table, const std::vector<std::string>& orderColumns) const;

private:
  vtkMultiProcessController* Controller = nullptr;
};

#endif
