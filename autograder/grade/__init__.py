"""The `grade` verb: a batch of submissions (`autograder.grade.batch`), its gradebook, feedback
and report. One notebook is graded by `autograder.pipeline`."""
