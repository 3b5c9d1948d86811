"""Opens LeNet-5 on the tiny MNIST set of the ctest fixture `cnnslicer_test_data` in the
ParaView GUI (`paraview --script=open_model.py`), as File > Open and Apply would, so that the
XML test that follows drives the CNN Slicer panel on a loaded model.

Environment: CNNSLICER_TEST_DATA, the fixture's folder (Testing/make-test-data.sh). With
CNNSLICER_TEST_CHECKPOINTS=DIR the model is opened as a series of three checkpoints
DIR/lenet_epoch_{1,2,5}.pt (links to the same file), so that time steps exist.
"""
import os

from paraview.simple import CNNActivationsReader, SetActiveSource

data = os.environ["CNNSLICER_TEST_DATA"]
model = os.path.join(data, "models", "lenet5_scripted.pt")
files = [model]
series = os.environ.get("CNNSLICER_TEST_CHECKPOINTS")
if series:
    os.makedirs(series, exist_ok=True)
    files = []
    for epoch in (1, 2, 5):
        path = os.path.join(series, "lenet_epoch_%d.pt" % epoch)
        if not os.path.lexists(path):
            os.symlink(model, path)
        files.append(path)
reader = CNNActivationsReader(registrationName="lenet5_scripted.pt", FileNames=files)
reader.DatasetFileName = os.path.join(data, "data", "mnist")
reader.MaximumSamples = 0  # all 64 images of the tiny set
reader.UpdatePipeline()
SetActiveSource(reader)
