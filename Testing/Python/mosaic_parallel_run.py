"""Run by TestFeatureMapMosaicParallel.py with `pvbatch --symmetric` (alone or under
mpiexec): the CNN Feature Map Mosaic of the reader's collection; each process writes what
it laid out to OUT/rank<r>.json (per layer block: tile corners, quad count; label counts).

Usage: pvbatch --symmetric mosaic_parallel_run.py --plugin SO --model PT --data DIR
       --layer K --out DIR
"""
import argparse
import json
import os

from paraview import simple
from vtkmodules.util.numpy_support import vtk_to_numpy
from vtkmodules.vtkParallelCore import vtkMultiProcessController

parser = argparse.ArgumentParser()
parser.add_argument("--plugin", required=True)
parser.add_argument("--model", required=True)
parser.add_argument("--data", required=True)
parser.add_argument("--layer", type=int, default=-1)
parser.add_argument("--out", required=True)
args = parser.parse_args()

simple.LoadPlugin(args.plugin, remote=False, ns=globals())
reader = CNNActivationsReader(FileNames=[args.model], DatasetFileName=args.data,
                              MaximumSamples=0, NormalizationMode="None")
mosaic = CNNFeatureMapMosaic(Input=reader, Layer=args.layer)
mosaic.UpdatePipeline()

rank = vtkMultiProcessController.GetGlobalController().GetLocalProcessId()
tiles = mosaic.GetClientSideObject().GetOutputDataObject(0)
layers = {}
for block in range(tiles.GetNumberOfPartitionedDataSets()):
    tile = tiles.GetPartition(block, 0)
    if tile is not None and tile.GetNumberOfCells() > 0:
        origins = vtk_to_numpy(tile.GetFieldData().GetArray("mosaic_tile_origin"))
        layers[str(block)] = {"tile_origins": origins.tolist(), "quads": tile.GetNumberOfCells()}
labels = [mosaic.GetClientSideObject().GetOutputDataObject(port).GetNumberOfPoints()
          for port in (1, 2)]
os.makedirs(args.out, exist_ok=True)
with open(os.path.join(args.out, "rank%d.json" % rank), "w") as stream:
    json.dump({"layers": layers, "tile_labels": labels[0], "layer_labels": labels[1]}, stream)
