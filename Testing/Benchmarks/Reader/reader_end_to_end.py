"""Reader end to end in pvpython (issue 3 benchmark): LeNet-5 on N MNIST images, all
layers; times RequestData and ParaView's data-information pass, with the range cache the
reader fills and with that cache removed (what ParaView would do without it).

Run: pvpython reader_end_to_end.py --plugin CNNSlicer.so --model lenet5.pt --mnist DIR [--samples 10000]
"""
import argparse
import json
import time

from paraview import simple
from vtkmodules.vtkCommonCore import vtkDataArray
from vtkmodules.vtkCommonDataModel import vtkPartitionedDataSetCollection
from paraview.modules.vtkRemotingCore import vtkPVDataInformation

parser = argparse.ArgumentParser()
parser.add_argument("--plugin", required=True)
parser.add_argument("--model", required=True)
parser.add_argument("--mnist", required=True)
parser.add_argument("--samples", type=int, default=10000)
parser.add_argument("--information-pass", action="store_true",
                    help="also time ParaView's data-information pass with and without the range cache")
args = parser.parse_args()

simple.LoadPlugin(args.plugin, remote=False, ns=globals())
reader = CNNActivationsReader(FileNames=[args.model])
reader.DatasetFileName = args.mnist
reader.MaximumSamples = args.samples
reader.UpdatePipelineInformation()

start = time.perf_counter()
reader.UpdatePipeline()
request_data = time.perf_counter() - start

output = reader.GetClientSideObject().GetOutputDataObject(0)


def information_pass(data):
    info = vtkPVDataInformation()
    start = time.perf_counter()
    info.CopyFromObject(data)
    return time.perf_counter() - start, info.GetNumberOfPoints()


result = {"samples": args.samples, "layers": output.GetNumberOfPartitionedDataSets(),
          "request_data_s": request_data}
if args.information_pass:
    cached, points = information_pass(output)
    # The same data without the range cache: ParaView must compute every component's range.
    bare = vtkPartitionedDataSetCollection()
    bare.DeepCopy(output)
    for i in range(bare.GetNumberOfPartitionedDataSets()):
        array = bare.GetPartition(i, 0).GetPointData().GetArray("activation")
        for key in (vtkDataArray.PER_COMPONENT(), vtkDataArray.PER_FINITE_COMPONENT(),
                    vtkDataArray.L2_NORM_RANGE(), vtkDataArray.L2_NORM_FINITE_RANGE()):
            array.GetInformation().Remove(key)
        array.Modified()
    uncached, _ = information_pass(bare)
    result.update({"points": points, "data_information_cached_s": cached,
                   "data_information_uncached_s": uncached})
print(json.dumps(result))
