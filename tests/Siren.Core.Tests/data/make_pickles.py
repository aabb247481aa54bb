"""Writes the tiny numpy pickle fixtures NumpyPickleTests reads (labels_int{32,64}_p{2,4,5}.pkl).

Run once with Debian's python3-numpy: /usr/bin/python3 make_pickles.py. The arrays are the ones the test expects:
[3, 0, 2, 2, 1, -1, 300, 70000] (int32 and int64; -1 and the wide values exercise sign and width).
"""
import pickle
import numpy as np

values = [3, 0, 2, 2, 1, -1, 300, 70000]
for dtype in ("int32", "int64"):
    for protocol in (2, 4, 5):
        with open(f"labels_{dtype}_p{protocol}.pkl", "wb") as f:
            pickle.dump(np.array(values, dtype=dtype), f, protocol=protocol)
with open("labels_int64_p4_big_endian.pkl", "wb") as f:
    pickle.dump(np.array(values, dtype=">i8"), f, protocol=4)
print("numpy", np.__version__)
