"""The raw material of the demo organization: cities, names, titles, vocabulary.

Pure data, no Django. Every list is ordered: the generator draws from them with a
seeded random generator, so their order is part of what makes a seed reproducible.
"""

from dataclasses import dataclass

COMPANY_NAME = "Northstar Commerce"
COMPANY_CODE = "northstar"
EMAIL_DOMAIN = "example.com"


@dataclass(frozen=True)
class City:
    """A region of the demo organization: a city, its IANA timezone, its name cultures."""

    code: str
    name: str
    country: str
    timezone: str
    cluster: str  # "apac", "emea" or "americas": operations and customer success are run per cluster
    cultures: tuple[str, ...]
    hub_weight: int  # how many central (non-regional) staff work here, relatively


# The first twelve are the default demo; the rest join as the organization grows.
CITIES: tuple[City, ...] = (
    City("jakarta", "Jakarta", "Indonesia", "Asia/Jakarta", "apac", ("indonesian",), 2),
    City("sao-paulo", "São Paulo", "Brazil", "America/Sao_Paulo", "americas", ("brazilian",), 2),
    City("lagos", "Lagos", "Nigeria", "Africa/Lagos", "emea", ("nigerian",), 1),
    City("mumbai", "Mumbai", "India", "Asia/Kolkata", "apac", ("indian",), 3),
    City("berlin", "Berlin", "Germany", "Europe/Berlin", "emea", ("german",), 3),
    City("chicago", "Chicago", "United States", "America/Chicago", "americas", ("american",), 2),
    City("mexico-city", "Mexico City", "Mexico", "America/Mexico_City", "americas", ("mexican",), 1),
    City("singapore", "Singapore", "Singapore", "Asia/Singapore", "apac", ("singaporean", "indian"), 4),
    City("nairobi", "Nairobi", "Kenya", "Africa/Nairobi", "emea", ("kenyan",), 1),
    City("paris", "Paris", "France", "Europe/Paris", "emea", ("french",), 2),
    City("sydney", "Sydney", "Australia", "Australia/Sydney", "apac", ("australian",), 1),
    City("toronto", "Toronto", "Canada", "America/Toronto", "americas", ("canadian",), 2),
    City("london", "London", "United Kingdom", "Europe/London", "emea", ("british", "indian"), 2),
    City("tokyo", "Tokyo", "Japan", "Asia/Tokyo", "apac", ("japanese",), 1),
    City("bogota", "Bogotá", "Colombia", "America/Bogota", "americas", ("mexican",), 1),
    City("warsaw", "Warsaw", "Poland", "Europe/Warsaw", "emea", ("polish",), 2),
    City("seoul", "Seoul", "South Korea", "Asia/Seoul", "apac", ("korean",), 1),
    City("dubai", "Dubai", "United Arab Emirates", "Asia/Dubai", "emea", ("arabic", "indian"), 1),
    City("new-york", "New York", "United States", "America/New_York", "americas", ("american",), 2),
    City("manila", "Manila", "Philippines", "Asia/Manila", "apac", ("filipino",), 1),
    City("cairo", "Cairo", "Egypt", "Africa/Cairo", "emea", ("arabic",), 1),
    City("buenos-aires", "Buenos Aires", "Argentina", "America/Argentina/Buenos_Aires", "americas", ("mexican",), 1),
    City("bangkok", "Bangkok", "Thailand", "Asia/Bangkok", "apac", ("thai",), 1),
    City("johannesburg", "Johannesburg", "South Africa", "Africa/Johannesburg", "emea", ("british", "kenyan"), 1),
)

CLUSTER_NAMES = {"apac": "Asia Pacific", "emea": "Europe & Africa", "americas": "Americas"}
CLUSTER_ORDER = ("apac", "emea", "americas")

# Given and family names by culture. Kept ASCII-transliterable: emails are built from them.
# fmt: off
NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "indonesian": (
        (
            "Putri", "Budi", "Siti", "Agus", "Dewi", "Rizky", "Ayu", "Adi", "Intan", "Fajar", "Wulan", "Hendra",
            "Ratna", "Dimas", "Sari", "Yusuf", "Nurul", "Bayu", "Indah", "Eko",
        ),
        (
            "Wulandari", "Santoso", "Pratama", "Hidayat", "Setiawan", "Kusuma", "Saputra", "Nugroho", "Lestari",
            "Siregar", "Gunawan", "Halim", "Wijaya", "Rahmawati", "Hartono", "Simanjuntak", "Sitompul", "Harahap",
            "Purnomo", "Utami",
        ),
    ),
    "brazilian": (
        (
            "Ana", "João", "Mariana", "Pedro", "Camila", "Lucas", "Beatriz", "Rafael", "Larissa", "Gabriel",
            "Fernanda", "Thiago", "Juliana", "Felipe", "Letícia", "Bruno", "Aline", "Rodrigo", "Patrícia", "Gustavo",
        ),
        (
            "Silva", "Santos", "Oliveira", "Souza", "Pereira", "Costa", "Rodrigues", "Almeida", "Nascimento", "Lima",
            "Araújo", "Fernandes", "Carvalho", "Gomes", "Ribeiro", "Barbosa", "Rocha", "Moura", "Cavalcanti",
            "Teixeira",
        ),
    ),
    "nigerian": (
        (
            "Chinedu", "Aisha", "Emeka", "Ngozi", "Oluwaseun", "Folake", "Ibrahim", "Chiamaka", "Tunde", "Funmilayo",
            "Babajide", "Amaka", "Kelechi", "Adaeze", "Segun", "Zainab", "Obinna", "Temitope", "Uche", "Halima",
        ),
        (
            "Okafor", "Adeyemi", "Okonkwo", "Bello", "Nwosu", "Adebayo", "Eze", "Balogun", "Ogunleye", "Abubakar",
            "Olawale", "Chukwu", "Danjuma", "Ibekwe", "Oyelaran", "Akinola", "Musa", "Onyeka", "Afolabi", "Nnamdi",
        ),
    ),
    "indian": (
        (
            "Priya", "Arjun", "Ananya", "Rahul", "Sneha", "Vikram", "Kavya", "Rohan", "Aditi", "Siddharth", "Neha",
            "Karthik", "Pooja", "Aarav", "Meera", "Nikhil", "Divya", "Sanjay", "Lakshmi", "Imran",
        ),
        (
            "Sharma", "Patel", "Iyer", "Reddy", "Nair", "Gupta", "Desai", "Mehta", "Kulkarni", "Singh", "Rao",
            "Menon", "Joshi", "Chatterjee", "Bhat", "Kapoor", "Pillai", "Shah", "Verma", "Khan",
        ),
    ),
    "german": (
        (
            "Lukas", "Anna", "Jonas", "Lea", "Felix", "Hannah", "Maximilian", "Laura", "Paul", "Sophie", "Tobias",
            "Julia", "Jan", "Katharina", "Stefan", "Miriam", "Emre", "Ayşe", "Niklas", "Lena",
        ),
        (
            "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
            "Koch", "Richter", "Klein", "Wolf", "Neumann", "Schwarz", "Yılmaz", "Zimmermann", "Braun", "Krüger",
        ),
    ),
    "american": (
        (
            "Michael", "Jessica", "David", "Ashley", "James", "Emily", "Robert", "Sarah", "Daniel", "Megan", "Marcus",
            "Jasmine", "Tyler", "Lauren", "Kevin", "Rachel", "Brandon", "Nicole", "Andre", "Keisha",
        ),
        (
            "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor", "Thomas",
            "Moore", "Jackson", "Martin", "Thompson", "Kowalski", "Nowak", "O'Brien", "Murphy", "Washington",
            "Sullivan",
        ),
    ),
    "mexican": (
        (
            "José", "María", "Luis", "Guadalupe", "Carlos", "Fernanda", "Jorge", "Daniela", "Miguel", "Valeria",
            "Alejandro", "Ximena", "Ricardo", "Sofía", "Eduardo", "Andrea", "Javier", "Paola", "Diego", "Regina",
        ),
        (
            "Hernández", "García", "Martínez", "López", "González", "Pérez", "Rodríguez", "Sánchez", "Ramírez",
            "Cruz", "Flores", "Gómez", "Morales", "Vázquez", "Reyes", "Jiménez", "Torres", "Díaz", "Gutiérrez",
            "Mendoza",
        ),
    ),
    "singaporean": (
        (
            "Wei Ling", "Jun Jie", "Hui Min", "Zhi Hao", "Mei Xin", "Kai Wen", "Jia Hui", "Marcus", "Rachel",
            "Darren", "Xin Yi", "Ethan", "Shu Fen", "Bryan", "Clarissa", "Wen Jie", "Li Ting", "Gabriel", "Yu Xuan",
            "Joanne",
        ),
        (
            "Tan", "Lim", "Lee", "Ng", "Ong", "Wong", "Goh", "Chua", "Chan", "Koh", "Teo", "Ang", "Yeo", "Low", "Toh",
            "Seah", "Quek", "Ho", "Sim", "Chong",
        ),
    ),
    "kenyan": (
        (
            "Grace", "Brian", "Faith", "Kevin", "Mercy", "Dennis", "Joy", "Collins", "Esther", "Victor", "Wanjiru",
            "Achieng", "Njeri", "Akinyi", "Baraka", "Amani", "Zawadi", "Imani", "Kioko", "Nia",
        ),
        (
            "Mwangi", "Otieno", "Kamau", "Ochieng", "Wanjiku", "Kiprono", "Njoroge", "Mutua", "Kimani", "Omondi",
            "Chebet", "Odhiambo", "Kariuki", "Wafula", "Kiptoo", "Maina", "Nyaga", "Owino", "Kibet", "Macharia",
        ),
    ),
    "french": (
        (
            "Camille", "Louis", "Chloé", "Hugo", "Manon", "Arthur", "Léa", "Gabriel", "Inès", "Jules", "Sarah",
            "Théo", "Clara", "Nathan", "Amélie", "Julien", "Élodie", "Karim", "Yasmine", "Mathieu",
        ),
        (
            "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
            "Simon", "Laurent", "Lefebvre", "Michel", "Fontaine", "Rousseau", "Garnier", "Benali", "Mercier",
            "Girard",
        ),
    ),
    "australian": (
        (
            "Jack", "Olivia", "Noah", "Charlotte", "William", "Mia", "Oliver", "Isla", "Lachlan", "Chloe", "Cooper",
            "Matilda", "Liam", "Ruby", "Harrison", "Zoe", "Mitchell", "Hayley", "Minh", "Sienna",
        ),
        (
            "Smith", "Jones", "Williams", "Brown", "Wilson", "Taylor", "Nguyen", "Kelly", "Ryan", "Walker", "Harris",
            "Campbell", "Mitchell", "Clarke", "Murray", "Chen", "Stewart", "Kennedy", "Hughes", "Edwards",
        ),
    ),
    "canadian": (
        (
            "Liam", "Emma", "Ethan", "Ava", "Noah", "Chloé", "Benjamin", "Olivia", "Samuel", "Maya", "Raj", "Aaliyah",
            "Owen", "Gabrielle", "Lucas", "Priya", "Félix", "Hannah", "Jacob", "Amira",
        ),
        (
            "Tremblay", "Roy", "Gagnon", "MacDonald", "Campbell", "Bouchard", "Singh", "Li", "Wong", "Smith", "Côté",
            "Fraser", "Gauthier", "Patel", "Morin", "Leblanc", "Bélanger", "Chen", "Martin", "Stewart",
        ),
    ),
    "british": (
        (
            "Oliver", "Amelia", "George", "Isla", "Harry", "Ava", "Jack", "Emily", "Charlie", "Sophie", "Thomas",
            "Grace", "James", "Lily", "Oscar", "Freya", "Alfie", "Poppy", "Mohammed", "Niamh",
        ),
        (
            "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
            "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Hughes", "Ahmed",
        ),
    ),
    "japanese": (
        (
            "Haruto", "Yui", "Sota", "Hina", "Yuto", "Aoi", "Riku", "Sakura", "Kenji", "Yuki", "Takumi", "Mei",
            "Daiki", "Rin", "Hiroshi", "Akari", "Kaito", "Miyu", "Shota", "Nanami",
        ),
        (
            "Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura", "Kobayashi", "Kato",
            "Yoshida", "Yamada", "Sasaki", "Yamaguchi", "Matsumoto", "Inoue", "Kimura", "Hayashi", "Shimizu", "Mori",
        ),
    ),
    "polish": (
        (
            "Jakub", "Zuzanna", "Kacper", "Julia", "Szymon", "Maja", "Filip", "Zofia", "Mateusz", "Hanna", "Bartosz",
            "Aleksandra", "Michał", "Natalia", "Piotr", "Magdalena", "Tomasz", "Agnieszka", "Wojciech", "Karolina",
        ),
        (
            "Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski", "Zieliński",
            "Szymański", "Woźniak", "Dąbrowski", "Kozłowski", "Jankowski", "Mazur", "Kwiatkowski", "Krawczyk",
            "Piotrowski", "Grabowski", "Nowakowski", "Pawłowski",
        ),
    ),
    "korean": (
        (
            "Min-jun", "Seo-yeon", "Ji-ho", "Ha-eun", "Do-yun", "Ji-woo", "Jun-seo", "Soo-ah", "Hyun-woo", "Ye-jin",
            "Seung-min", "Da-eun", "Joon-young", "Eun-ji", "Tae-yang", "Yu-na", "Sung-ho", "Hye-jin", "Woo-jin",
            "Min-ji",
        ),
        (
            "Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim", "Han", "Oh", "Seo", "Shin",
            "Kwon", "Hwang", "Ahn", "Song", "Yoo", "Hong",
        ),
    ),
    "arabic": (
        (
            "Omar", "Layla", "Ahmed", "Fatima", "Youssef", "Mariam", "Khalid", "Noor", "Hassan", "Salma", "Tariq",
            "Huda", "Karim", "Rania", "Mahmoud", "Dina", "Samir", "Yasmin", "Ali", "Leila",
        ),
        (
            "Haddad", "Mansour", "Khalil", "Nasser", "Farouk", "Saleh", "Hamdan", "Aziz", "Rahman", "Sayed",
            "Ibrahim", "Mostafa", "Hassan", "Kamal", "Fathy", "Suleiman", "Darwish", "Qasim", "Youssef", "Shaker",
        ),
    ),
    "filipino": (
        (
            "Maria", "John Paul", "Angelica", "Mark", "Kristine", "Joshua", "Princess", "Christian", "Jasmine",
            "Carlo", "Patricia", "Miguel", "Bea", "Paolo", "Camille", "Rafael", "Andrea", "Jericho", "Nicole", "Enzo",
        ),
        (
            "Santos", "Reyes", "Cruz", "Bautista", "Ocampo", "Garcia", "Mendoza", "Torres", "Tomas", "Andrada",
            "Castillo", "Flores", "Villanueva", "Ramos", "Castro", "Rivera", "Aquino", "Navarro", "Salazar",
            "Dela Cruz",
        ),
    ),
    "thai": (
        (
            "Somchai", "Suda", "Anan", "Ploy", "Niran", "Kanya", "Krit", "Malee", "Prasert", "Nattaya", "Chaiwat",
            "Siriporn", "Thanawat", "Pimchanok", "Wichai", "Ratana", "Arthit", "Kulap", "Pichit", "Waraporn",
        ),
        (
            "Saetang", "Srisuk", "Chaiyaporn", "Wongsawat", "Rattanakorn", "Boonmee", "Kittisak", "Thongchai",
            "Suwannarat", "Phromma", "Sukprasert", "Charoensuk", "Jitpakdee", "Kaewkla", "Manee", "Ruangrit",
            "Sangthong", "Thammasat", "Yodkhwan", "Intharasut",
        ),
    ),
}
# fmt: on
CULTURES: tuple[str, ...] = tuple(NAMES)


@dataclass(frozen=True)
class Department:
    """A department template: its name, and the words its head's title uses."""

    code: str
    name: str
    head_title: str


@dataclass(frozen=True)
class Division:
    """A division template: the role family of its people and how its departments are cut."""

    code: str
    name: str
    role_family: str
    share: float  # of all employees
    head_title: str
    cut: str  # "region": one department per region; "cluster": one per cluster; "function": the list below
    departments: tuple[Department, ...] = ()
    base_departments: int = 0  # how many of ``departments`` a 2,000-person organization has


DIVISIONS: tuple[Division, ...] = (
    Division("sales", "Sales", "sales", 0.27, "VP Sales", "region"),
    Division("operations", "Operations", "operations", 0.18, "VP Operations", "cluster"),
    Division("customer-success", "Customer Success", "customer_success", 0.14, "VP Customer Success", "cluster"),
    Division(
        "engineering",
        "Engineering",
        "engineering",
        0.19,
        "VP Engineering",
        "function",
        (
            Department("platform", "Platform Engineering", "Head of Platform Engineering"),
            Department("infrastructure", "Infrastructure", "Head of Infrastructure"),
            Department("mobile", "Mobile Engineering", "Head of Mobile Engineering"),
            Department("data", "Data Engineering", "Head of Data Engineering"),
            Department("quality", "Quality Engineering", "Head of Quality Engineering"),
            Department("payments", "Payments Engineering", "Head of Payments Engineering"),
            Department("search", "Search & Discovery", "Head of Search & Discovery"),
            Department("security", "Security", "Head of Security"),
            Department("devex", "Developer Experience", "Head of Developer Experience"),
            Department("ml", "Machine Learning", "Head of Machine Learning"),
            Department("integrations", "Integrations", "Head of Integrations"),
            Department("web", "Web Engineering", "Head of Web Engineering"),
        ),
        5,
    ),
    Division(
        "product",
        "Product",
        "product",
        0.06,
        "VP Product",
        "function",
        (
            Department("product-management", "Product Management", "Head of Product Management"),
            Department("design", "Design", "Head of Design"),
            Department("research", "User Research", "Head of User Research"),
            Department("analytics", "Product Analytics", "Head of Product Analytics"),
        ),
        3,
    ),
    Division(
        "marketing",
        "Marketing",
        "marketing",
        0.07,
        "Chief Marketing Officer",
        "function",
        (
            Department("brand", "Brand & Content", "Head of Brand & Content"),
            Department("growth", "Growth Marketing", "Head of Growth Marketing"),
            Department("product-marketing", "Product Marketing & Pricing", "Head of Product Marketing & Pricing"),
            Department("events", "Events & Community", "Head of Events & Community"),
        ),
        3,
    ),
    Division(
        "finance",
        "Finance",
        "finance",
        0.05,
        "Chief Financial Officer",
        "function",
        (
            Department("accounting", "Accounting", "Head of Accounting"),
            Department("fpa", "Planning & Analysis", "Head of Planning & Analysis"),
            Department("procurement", "Procurement", "Head of Procurement"),
        ),
        2,
    ),
    Division(
        "people",
        "People",
        "people",
        0.04,
        "Chief People Officer",
        "function",
        (
            Department("learning", "Learning & Development", "Head of Learning & Development"),
            Department("people-operations", "People Operations", "Head of People Operations"),
            Department("talent", "Talent Acquisition", "Head of Talent Acquisition"),
        ),
        3,
    ),
)

# Titles by role family and level (1 front line ... 5 senior manager); heads have their own.
TITLES: dict[str, dict[int, tuple[str, ...]]] = {
    "sales": {
        1: ("Sales Development Representative", "Inside Sales Representative"),
        2: ("Account Executive", "Field Sales Representative"),
        3: ("Senior Account Executive", "Key Account Manager"),
        4: ("Sales Team Lead",),
        5: ("Sales Manager", "Senior Key Account Manager"),
    },
    "operations": {
        1: ("Operations Associate", "Warehouse Associate", "Delivery Coordinator"),
        2: ("Logistics Coordinator", "Operations Analyst"),
        3: ("Senior Operations Analyst", "Fulfilment Specialist"),
        4: ("Operations Supervisor", "Shift Lead"),
        5: ("Operations Manager", "Logistics Manager"),
    },
    "customer_success": {
        1: ("Support Specialist", "Customer Support Agent"),
        2: ("Support Engineer", "Customer Success Associate"),
        3: ("Senior Support Engineer", "Customer Success Manager"),
        4: ("Support Team Lead",),
        5: ("Senior Customer Success Manager", "Support Manager"),
    },
    "engineering": {
        1: ("Associate Software Engineer", "Junior QA Engineer"),
        2: ("Software Engineer", "QA Engineer"),
        3: ("Senior Software Engineer", "Site Reliability Engineer"),
        4: ("Engineering Lead", "Staff Engineer"),
        5: ("Engineering Manager", "Principal Engineer"),
    },
    "product": {
        1: ("Associate Product Manager", "Junior Product Designer"),
        2: ("Product Manager", "Product Designer", "UX Researcher"),
        3: ("Senior Product Manager", "Senior Product Designer"),
        4: ("Group Product Manager", "Design Lead"),
        5: ("Principal Product Manager",),
    },
    "marketing": {
        1: ("Marketing Coordinator", "Content Writer"),
        2: ("Marketing Specialist", "Growth Analyst"),
        3: ("Senior Marketing Specialist", "Product Marketing Manager"),
        4: ("Marketing Lead", "Brand Lead"),
        5: ("Marketing Manager", "Pricing Manager"),
    },
    "finance": {
        1: ("Finance Assistant", "Accounts Payable Clerk"),
        2: ("Accountant", "Financial Analyst"),
        3: ("Senior Accountant", "Senior Financial Analyst"),
        4: ("Finance Team Lead", "Controller"),
        5: ("Finance Manager",),
    },
    "people": {
        1: ("People Coordinator", "Recruiting Coordinator"),
        2: ("Recruiter", "HR Generalist"),
        3: ("Senior Recruiter", "People Partner"),
        4: ("Talent Acquisition Lead", "Senior People Partner"),
        5: ("People Operations Manager", "Learning Manager"),
    },
}

TEAM_NAMES: tuple[str, ...] = (
    "Atlas",
    "Beacon",
    "Cedar",
    "Delta",
    "Ember",
    "Fjord",
    "Granite",
    "Harbor",
    "Iris",
    "Juniper",
    "Kestrel",
    "Lumen",
    "Meridian",
    "Nova",
    "Orchid",
    "Pioneer",
    "Quartz",
    "Ridge",
    "Summit",
    "Tide",
)

# fmt: off
SKILLS: dict[str, tuple[str, ...]] = {
    "sales": (
        "Negotiation", "Pipeline management", "Account planning", "Cold outreach", "Value selling", "CRM hygiene",
        "Forecasting", "Presentation", "Objection handling", "Territory planning",
    ),
    "operations": (
        "Route planning", "Inventory control", "Lean", "Six Sigma", "Vendor management", "Warehouse management",
        "Excel", "Forklift certified", "Demand planning", "Root cause analysis",
    ),
    "customer_success": (
        "Onboarding", "Ticket triage", "Zendesk", "Renewals", "Customer interviews", "Escalation handling",
        "Knowledge base writing", "Churn analysis", "Training", "SQL",
    ),
    "engineering": (
        "Python", "Go", "TypeScript", "Kotlin", "Swift", "PostgreSQL", "Kubernetes", "Terraform", "Observability",
        "Machine learning", "Security reviews", "Incident response",
    ),
    "product": (
        "Discovery", "Roadmapping", "Figma", "Usability testing", "A/B testing", "SQL", "Accessibility",
        "Service design", "Writing specs", "Customer interviews",
    ),
    "marketing": (
        "Copywriting", "SEO", "Paid social", "Pricing strategy", "Event planning", "Brand design",
        "Marketing analytics", "Email campaigns", "Competitive analysis", "Video",
    ),
    "finance": (
        "Financial modelling", "IFRS", "Budgeting", "Cash management", "Tax", "Excel", "Procurement", "Audit",
        "Power BI", "Cost analysis",
    ),
    "people": (
        "Recruiting", "Coaching", "Facilitation", "Employment law", "Compensation", "Workday", "Onboarding design",
        "Learning design", "Mediation", "People analytics",
    ),
}
# fmt: on


@dataclass(frozen=True)
class TopicSpec:
    """A topic of the demo vocabulary; ``parent`` is the parent's slug."""

    name: str
    slug: str
    parent: str | None
    synonyms: tuple[str, ...] = ()
    description: str = ""


TOPICS: tuple[TopicSpec, ...] = (
    TopicSpec("Customers", "customers", None, ("clients",), "Everything about the people who buy from us."),
    TopicSpec("Pricing", "pricing", "customers", ("price", "discounts", "margins"), "Price lists, discounts, margins."),
    TopicSpec("Churn", "churn", "customers", ("attrition", "cancellations"), "Why customers leave."),
    TopicSpec("Onboarding", "onboarding", "customers", ("activation", "first order"), "A customer's first weeks."),
    TopicSpec("Customer feedback", "customer-feedback", "customers", ("voice of the customer", "complaints")),
    TopicSpec("Retention", "retention", "customers", ("loyalty", "repeat orders")),
    TopicSpec("Sales", "sales", None, ("selling",)),
    TopicSpec("Prospecting", "prospecting", "sales", ("lead generation", "pipeline")),
    TopicSpec("Negotiation", "negotiation", "sales", ("closing deals",)),
    TopicSpec("Key accounts", "key-accounts", "sales", ("enterprise accounts", "KAM")),
    TopicSpec("Forecasting", "forecasting", "sales", ("sales forecast", "quota")),
    TopicSpec("Partnerships", "partnerships", "sales", ("channel partners", "distributors")),
    TopicSpec("Operations", "operations", None, ("ops",)),
    TopicSpec("Delivery times", "delivery-times", "operations", ("lead time", "late deliveries", "shipping time")),
    TopicSpec("Inventory", "inventory", "operations", ("stock", "stockouts")),
    TopicSpec("Last mile", "last-mile", "operations", ("couriers", "last-mile delivery")),
    TopicSpec("Quality control", "quality-control", "operations", ("QC", "defects")),
    TopicSpec("Product and technology", "product-technology", None, ("tech",)),
    TopicSpec("Roadmap", "roadmap", "product-technology", ("prioritization",)),
    TopicSpec("User research", "user-research", "product-technology", ("usability", "interviews")),
    TopicSpec("Reliability", "reliability", "product-technology", ("uptime", "incidents", "SRE")),
    TopicSpec("Data and analytics", "data-analytics", "product-technology", ("analytics", "dashboards", "BI")),
    TopicSpec("Mobile app", "mobile-app", "product-technology", ("app", "android", "ios")),
    TopicSpec("Security", "security", "product-technology", ("infosec", "privacy")),
    TopicSpec("People and culture", "people-culture", None, ("culture",)),
    TopicSpec("Hiring", "hiring", "people-culture", ("recruiting", "talent acquisition")),
    TopicSpec("Coaching", "coaching", "people-culture", ("mentoring",)),
    TopicSpec("Remote work", "remote-work", "people-culture", ("hybrid work", "distributed teams")),
    TopicSpec("Wellbeing", "wellbeing", "people-culture", ("burnout", "mental health")),
    TopicSpec("Marketing and finance", "marketing-finance", None),
    TopicSpec("Campaigns", "campaigns", "marketing-finance", ("promotions",)),
    TopicSpec("Brand", "brand", "marketing-finance", ("brand awareness",)),
    TopicSpec("Budgeting", "budgeting", "marketing-finance", ("budgets", "cost control")),
)

# The topics a person of each role family is likely to care about (by name).
FAMILY_TOPICS: dict[str, tuple[str, ...]] = {
    "sales": ("Pricing", "Prospecting", "Negotiation", "Key accounts", "Forecasting", "Partnerships", "Churn"),
    "operations": ("Delivery times", "Inventory", "Last mile", "Quality control", "Customer feedback"),
    "customer_success": ("Onboarding", "Churn", "Customer feedback", "Retention", "Delivery times"),
    "engineering": ("Reliability", "Data and analytics", "Mobile app", "Security", "Roadmap"),
    "product": ("Roadmap", "User research", "Data and analytics", "Onboarding", "Pricing"),
    "marketing": ("Campaigns", "Brand", "Pricing", "Retention", "Customer feedback"),
    "finance": ("Budgeting", "Pricing", "Forecasting", "Data and analytics"),
    "people": ("Hiring", "Coaching", "Remote work", "Wellbeing", "Onboarding"),
}

SEGMENTS: tuple[tuple[str, str, str], ...] = (
    ("Small retailers", "small-retailers", "Independent shops and kiosks ordering weekly."),
    ("Restaurants and cafés", "restaurants-cafes", "Food service customers with daily deliveries."),
    ("Enterprise chains", "enterprise-chains", "Regional and national chains with negotiated contracts."),
    ("Distributors", "distributors", "Partners who resell to their own customers."),
    ("Public sector", "public-sector", "Schools, hospitals and agencies buying by tender."),
)

COMPANY_VALUES: tuple[tuple[str, str, str], ...] = (
    ("Customers first", "customers-first", "We start from what the customer needs."),
    ("Learn from peers", "learn-from-peers", "The best answer is often one region away."),
    ("Own the outcome", "own-the-outcome", "We finish what we start and say what we learned."),
    ("Act with integrity", "act-with-integrity", "We do the right thing when nobody is watching."),
    ("Keep it simple", "keep-it-simple", "Simple beats clever."),
)

# External customers invited to the co-creation community (the first one gets the guest login).
GUEST_COMPANIES: tuple[tuple[str, str], ...] = (
    ("Owner", "Toko Makmur"),
    ("Purchasing Manager", "Mercado Bom Preço"),
    ("Operations Director", "FreshMart Lagos"),
    ("Founder", "Chai Point Cafés"),
    ("Category Manager", "Bäckerei Sonnenschein"),
    ("Store Manager", "Corner Grocer Chicago"),
)
