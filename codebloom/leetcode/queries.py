"""The GraphQL documents we send, as LeetCode's own web app spells them."""

RECENT_AC = """query recentAcSubmissions($username: String!, $limit: Int!) {
  recentAcSubmissionList(username: $username, limit: $limit) {
    id
    title
    titleSlug
    timestamp
    statusDisplay
    lang
  }
}"""

QUESTION = """query questionData($titleSlug: String!) {
  question(titleSlug: $titleSlug) {
    questionId
    questionFrontendId
    title
    titleSlug
    difficulty
    isPaidOnly
    stats
    topicTags { name slug }
  }
}"""

SUBMISSION_DETAILS = """query submissionDetails($submissionId: Int!) {
  submissionDetails(submissionId: $submissionId) {
    id
    runtime
    runtimeDisplay
    runtimePercentile
    memory
    memoryDisplay
    memoryPercentile
    code
    timestamp
    statusCode
    lang { name verboseName }
  }
}"""

QUESTION_OF_TODAY = """query questionOfToday {
  activeDailyCodingChallengeQuestion {
    date
    link
    question { title titleSlug difficulty }
  }
}"""

MATCHED_USER = """query userPublicProfile($username: String!) {
  matchedUser(username: $username) {
    username
  }
}"""

USER_STATUS = """query globalData {
  userStatus { username isSignedIn }
}"""
